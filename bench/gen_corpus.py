#!/usr/bin/env python3
"""Deterministic site generator for the Tongwen benchmarks.

Usage:
    python bench/gen_corpus.py OUT_SITE_DIR --articles N [--seed S] [--topics K] [--clean]
                               [--langs en,zh-CN,zh-HK]

Writes a complete Tongwen site folder:

    OUT_SITE_DIR/site.yaml                          title + base_url
    OUT_SITE_DIR/content/posts/<slug>.md            N articles
    OUT_SITE_DIR/content/topics/<coll>/_index.md    a topic collection (title, groups, body)
    OUT_SITE_DIR/content/topics/<coll>/<item>.md    a topic (title, aliases, group, weight, body)

Articles use the seed article's front-matter shape (hand-written YAML, double-quoted
strings, block lists, the same keys in the same order) and a 5-8 KiB (UTF-8 bytes) body of
Simplified Chinese prose: `##` headings, bold text, links, an image, bulleted lists, block
quotes, and sometimes a fenced code block and a table.  Tags are Zipf-distributed over
~200 names, categories over 10 weighted sources.

Languages (`--langs`, Hugo's content tree per language): article i goes to the folder
content/<L>/posts/ of L = langs[i mod len(langs)], with `lang: [L]` in its front matter: zh-CN
articles are the ones above; zh-HK articles are the same articles converted to Hong Kong
Traditional by OpenCC (s2hk; the one step that is not pure standard library); English
articles are English prose of the same shape and size, from their own vocabulary. Topics go
under content/<first Chinese language>/topics/. Without `--langs` the layout (and every
byte) is the single content/posts/ folder as before.

Topics: a fixed pool of topic definitions spread over several collections (五大举措,
新生意赛道, 企业图谱, ...).  Every alias is a word of this generator's vocabulary, no alias
belongs to two topics, and no alias is a substring of another topic's alias (so a mention is
never ambiguous).  Articles mention topics in two ways: article i always mentions the pool
topics (i*m .. i*m+m-1) mod P (m = ceil(P/30), so any 30 consecutive articles mention every
topic of the pool), and its paragraphs mention more topics drawn Zipf-wise from the pool, so
a few topics are mentioned very often and most rarely.  `--topics K` writes the first K
topics of the pool (interleaved over the collections); the articles do not depend on K.

Determinism:
  * Only `random.Random(int).random()` is used; the standard library promises that this
    sequence does not change across Python versions.
  * Article i is generated from its own generator seeded with (seed, i), and title
    de-duplication looks only at articles 0..i-1, so the corpus for N articles is a
    byte-identical prefix of the corpus for any M > N.
  * The script prints a SHA-256 digest over all files written (relative path + content
    hash, sorted by path): same arguments, same digest.  `site_digest()` recomputes it from
    the files on disk, so a runner can tell an intact corpus from an edited one.

Pure standard library.  Adapted from shared/tools/gen_corpus.py.
"""

import argparse
import datetime as _dt
import hashlib
import os
import random
import re
import shutil
import sys

MIN_BODY = 5 * 1024
MAX_BODY = 8 * 1024
DATE_START = _dt.datetime(2022, 3, 1, 0, 0, 0)
DATE_SPAN_S = 3 * 365 * 24 * 3600  # ~3 years: 2022-03 .. 2025-02
SITE_TITLE = "同文基准站"
BASE_URL = "https://bench.example.org/"

# --------------------------------------------------------------------------
# Vocabulary (hand-written).  Many entries have Traditional forms that differ
# at the phrase level under OpenCC s2twp (软件/軟體, 信息/資訊, 网络/網路,
# 数据库/資料庫, 服务器/伺服器, 内存/記憶體, 视频/影片, 程序员/程式設計師 ...).
# --------------------------------------------------------------------------

SOURCES = [  # (category, weight, thumbnail prefix)
    ("wallstreetcn", 30, "https://wpimg-wscn.awtmt.com/"),
    ("36kr", 18, "https://img.example.com/36kr/"),
    ("infoq", 12, "https://img.example.com/infoq/"),
    ("pingwest", 9, "https://img.example.com/pingwest/"),
    ("huxiu", 8, "https://img.example.com/huxiu/"),
    ("ifanr", 7, "https://img.example.com/ifanr/"),
    ("sspai", 5, "https://img.example.com/sspai/"),
    ("geekpark", 5, "https://img.example.com/geekpark/"),
    ("tmtpost", 4, "https://img.example.com/tmtpost/"),
    ("leiphone", 2, "https://img.example.com/leiphone/"),
]

COMPANIES = (
    "阿里巴巴 京东 拼多多 美团 字节跳动 腾讯 华为 小米 比亚迪 宁德时代 百度 网易 快手 "
    "蔚来 理想汽车 小鹏汽车 1688 淘宝 天猫 抖音电商 希音 安克创新 大疆 联想 中芯国际 海尔 "
    "美的 格力 顺丰 菜鸟 携程 滴滴 商汤科技 科大讯飞 金山办公 用友网络 浪潮信息 中兴通讯 "
    "传音控股 名创优品 蜜雪冰城 瑞幸咖啡 泡泡玛特 得物 小红书 哔哩哔哩 微软 苹果 英伟达 特斯拉"
).split()

ACTORS = (
    "中小企业 工厂 商家 品牌方 跨境卖家 制造企业 经销商 开发者 程序员 消费者 年轻用户 "
    "县域商家 外贸企业 产业带工厂 物流公司 零售门店 初创公司 投资机构 软件厂商 运营商 "
    "内容创作者 供应商 采购商 服务商 硬件厂商"
).split()

FIELDS = (
    "供应链管理 数字化转型 跨境电商 分销体系 柔性定制 出海业务 降本增效 人工智能 大模型 "
    "云计算 企业软件 信息安全 网络基础设施 数据中心 芯片设计 半导体制造 新能源汽车 自动驾驶 "
    "直播电商 即时零售 私域流量 智能物流 仓储自动化 工业互联网 智能制造 移动支付 内容营销 "
    "短视频 操作系统 数据库 服务器 开源软件 智能硬件 机器人 激光雷达 储能电池 光伏 "
    "用户增长 会员体系 本地生活 社区团购 二手电商 知识付费 在线教育 游戏出海"
).split()

TECHS = (
    "大模型 机器学习 计算机视觉 云原生 微服务 边缘计算 区块链 物联网 数字孪生 低代码平台 "
    "向量数据库 推荐算法 知识图谱 语音识别 高性能计算 分布式存储 人工智能 智能体 多模态模型 "
    "开源软件 数据仓库 实时计算"
).split()

PRODUCTS = (
    "智能手机 笔记本电脑 操作系统 数据库 服务器 芯片 大模型 智能音箱 扫地机器人 电动汽车 "
    "打印机 智能手表 无线耳机 路由器 摄像头 办公软件 支付工具 会员服务 物流网络 云服务"
).split()

RESULTS = [
    "订单量明显回升", "毛利率提升了{p}个百分点", "库存周转天数缩短到{d}天",
    "获客成本下降了{p}%", "用户留存率持续改善", "海外市场收入占比首次超过三成",
    "交付周期从一个月缩短到一周", "研发投入占营收比重超过{p}%",
    "不少工厂开始接到来自海外的定制订单", "整体运营效率提升明显",
    "日活跃用户突破{k}万", "软件订阅收入同比增长{p}%", "网络延迟降低到{d}毫秒以内",
    "数据中心的能耗下降了{p}%", "服务器利用率提高到{p}%", "视频内容的播放量翻了一番",
    "退货率下降了{p}个百分点", "新品上市周期缩短了一半", "单位成本下降了{p}%",
    "复购率达到{p}%",
]

TIMES = [
    "今年以来", "过去一年", "去年下半年", "第三季度", "进入{y}年", "疫情之后",
    "最近几个月", "在行业整体承压的背景下", "“双十一”前夕", "春节之后", "上半年",
    "截至{y}年底",
]

ORGS = (
    "国家统计局 海关总署 艾瑞咨询 易观分析 中国信通院 商务部 IDC 高盛 摩根士丹利 中金公司 "
    "中国电子商务研究中心 麦肯锡 德勤 Gartner"
).split()

OLDS = "铺货 价格战 流量红利 线下渠道 代工 单一爆品 人海战术 粗放增长 外包 补贴".split()
NEWS = "精细化运营 品牌化 技术驱动 柔性供应链 全渠道 自主研发 降本增效 数字化 出海 定制化".split()

SURNAMES = "刘 黄 王 李 张 陈 杨 赵 周 吴 徐 孙 马 朱 胡 郭 何 林 罗 高 郑 梁 谢 宋 唐 许 韩 冯 邓 曹".split()
GIVEN = "宝丹 昱 晓 想 明 婷 伟 静 磊 洋 敏 杰 丽 强 军 雪 涛 琳 鹏 欣 楠 佳 峰 颖 超 倩 博 蕾 宇 璐".split()

# Standalone sentences dense in words that OpenCC s2twp converts at phrase level.
TECH_SENTENCES = [
    "很多程序员习惯先在笔记本电脑上调试源代码，再把软件部署到服务器上。",
    "这套信息系统的默认设置并不适合中小企业，需要根据业务重新优化。",
    "网络带宽和内存容量成为制约数据中心扩张的两大瓶颈。",
    "用户在手机屏幕上点击菜单后，后台会自动登录账号并同步文件。",
    "传统的打印机、鼠标和摄像头等硬件产品，利润已经被压缩到很低的水平。",
    "在线视频平台开始用推荐算法为用户筛选高清内容。",
    "工程师需要确保新版本的接口与旧版操作系统保持兼容。",
    "数据库的存储成本在过去三年里下降了一半以上。",
    "智能手机的芯片性能提升以后，很多原本需要云端完成的计算可以直接在本地运行。",
    "项目负责人表示，激光雷达的质量和价格决定了自动驾驶能否大规模落地。",
    "这款软件支持宽带和移动网络两种接入方式，还能把短信和博客内容一键导出。",
    "互联网公司的发展重心，正在从流量竞争转向技术和效率的竞争。",
    "有人开玩笑说，做大模型的程序员头发掉得最快。",
    "他们把整个数码产品的供应链都搬到了线上，信息流转效率大大提高。",
    "为了保护知识产权，企业在源代码管理和文件加密上投入了大量资源。",
    "硬盘和内存价格的周期性波动，直接影响到服务器厂商的利润。",
    "出租车司机也开始用手机上的软件接单，打车变得越来越方便。",
    "这个界面经过三轮优化以后，用户的平均停留时间提高了不少。",
    "人工智能并不是万能的，算法的边界需要在实际项目中不断验证。",
    "干净的数据比复杂的模型更重要，这是很多团队踩过坑之后才明白的道理。",
    "台风季节前后，沿海工厂需要提前准备应急预案，防止物流网络中断。",
    "面对复杂的国际环境，只有把核心技术掌握在自己手里，才能走得更远。",
]

CONNECTORS = [
    "与此同时", "此外", "值得注意的是", "不过", "换句话说", "更重要的是", "从长期来看",
    "事实上", "另一方面", "在这种情况下", "总的来看",
]

HEADINGS = [
    "从{old}到{new}", "{f}的下一站", "工厂的新机会", "出海背后的账本", "降本增效之后",
    "谁在为{t}买单", "数据背后的变化", "挑战与隐忧", "{a}的真实处境", "平台的新打法",
    "{f}进入深水区", "技术之外", "一场关于效率的竞赛", "软件与硬件的再平衡",
    "网络效应正在减弱", "信息差还能赚钱吗", "新的增长曲线", "写在最后",
]

TITLE_TEMPLATES = [
    "{c}找到{f}增长新路径", "{c}押注{t}：{short}", "{f}进入下半场，{a}如何突围",
    "对话{c}：{f}的{n}个关键问题", "{y}年，{f}还能怎么做", "从{old}到{new}，{c}的{f}转型",
    "{a}出海：{short}", "{c}发布新一代{pr}，{short}", "深度｜{f}背后的{bn}亿元生意",
    "为什么说{t}正在改变{f}", "{c}的{f}生意，{short}", "{f}观察：{a}的{n}种活法",
    "{c}财报解读：{short}", "一文看懂{c}的{t}布局", "{a}涌入{f}，{short}",
]
TITLE_SHORTS = [
    "增长还能持续多久", "利润从哪里来", "下一个十年的机会", "谁会是最后的赢家",
    "一场没有退路的战争", "效率才是核心竞争力", "软件定义一切", "信息透明之后",
    "网络效应的终局", "价格战之后", "用户不再买账", "大厂的新焦虑", "小公司的大机会",
    "慢下来的勇气", "数据不会说谎",
]

TAGS_RAW = (
    "人工智能 大模型 电商 跨境电商 供应链 数字化 出海 新能源汽车 芯片 半导体 云计算 直播电商 "
    "消费 零售 物流 制造业 工业互联网 智能制造 机器人 自动驾驶 投资 融资 财报 上市 港股 美股 "
    "A股 宏观经济 房地产 银行 保险 基金 证券 监管 政策 反垄断 数据安全 隐私保护 网络安全 开源 "
    "软件 操作系统 数据库 服务器 数据中心 算力 光伏 储能 锂电池 新能源 碳中和 医疗 医药 生物科技 "
    "教育 在线教育 游戏 短视频 社交 内容平台 广告 营销 品牌 新消费 茶饮 咖啡 餐饮 外卖 本地生活 "
    "旅游 酒店 航空 出行 网约车 共享经济 二手电商 社区团购 即时零售 会员制 私域流量 用户增长 "
    "产品经理 程序员 职场 创业 独角兽 并购 裁员 组织架构 管理 企业文化 招聘 远程办公 SaaS "
    "企业服务 协同办公 低代码 物联网 智能家居 智能手机 可穿戴设备 AR VR 元宇宙 区块链 数字货币 "
    "支付 移动支付 金融科技 征信 汇率 外贸 关税 东南亚 中东 拉美 欧洲 美国 日本 印度 非洲 "
    "Temu 希音 TikTok 亚马逊 1688 淘宝 京东 拼多多 美团 抖音 快手 小红书 微信 支付宝 华为 小米 "
    "苹果 英伟达 特斯拉 比亚迪 宁德时代 腾讯 阿里巴巴 字节跳动 百度 网易 OpenAI 微软 谷歌 Meta "
    "芯片制造 光刻机 存储芯片 GPU 算法 推荐系统 搜索 信息流 视频平台 网络文学 知识付费 播客 "
    "硬件 消费电子 家电 汽车 智能座舱 充电桩 换电 造车新势力 工厂 产业带 定制 分销 降本增效 "
    "品控 仓储 冷链 快递 县域经济 乡村振兴 农业 食品 服装 美妆 母婴 宠物 运动 户外"
)
TAGS = list(dict.fromkeys(TAGS_RAW.split()))  # ~200 unique tags, rank order
TAG_WEIGHTS = [1.0 / (r + 1) ** 1.05 for r in range(len(TAGS))]  # Zipf-like

CODE_SNIPPETS = [
    ("python", "import pandas as pd\n\n# 读取订单数据并按渠道汇总\ndf = pd.read_csv(\"orders.csv\")\n"
     "summary = df.groupby(\"channel\")[\"amount\"].sum().sort_values(ascending=False)\n"
     "print(summary.head(10))\n"),
    ("json", "{\n  \"sku\": \"A-10086\",\n  \"factory\": \"宁波\",\n  \"moq\": 200,\n"
     "  \"lead_time_days\": 7,\n  \"channels\": [\"1688\", \"淘宝\", \"跨境\"]\n}\n"),
    ("yaml", "service: order-sync\nreplicas: 3\nresources:\n  cpu: \"2\"\n  memory: 4Gi\n"
     "env:\n  - name: REGION\n    value: cn-hangzhou\n"),
    ("bash", "# 每天凌晨同步库存数据\nrsync -az ./inventory/ backup:/data/inventory/\n"
     "curl -s https://api.example.com/v1/stock | jq '.items | length'\n"),
    ("go", "func Throughput(orders []Order) float64 {\n\tvar total float64\n"
     "\tfor _, o := range orders {\n\t\ttotal += o.Amount\n\t}\n\treturn total / float64(len(orders))\n}\n"),
    ("sql", "SELECT channel, SUM(amount) AS gmv\nFROM orders\nWHERE created_at >= '2024-01-01'\n"
     "GROUP BY channel\nORDER BY gmv DESC\nLIMIT 10;\n"),
]

TABLE_ROWS = ["营收（亿元）", "净利润（亿元）", "活跃商家数（万）", "海外收入占比", "研发投入（亿元）",
              "毛利率", "订单量（万单）", "用户数（百万）"]



# --------------------------------------------------------------------------
# Topic pool.  (slug, title, groups, items); an item is (group index, title, aliases).
# The title is always the first alias.
# --------------------------------------------------------------------------

def _items(spec):
    """'g:标题|别名|别名; g:标题' -> [(g, title, [aliases])]."""
    out = []
    for part in spec.split(";"):
        part = part.strip()
        if not part:
            continue
        g, _, rest = part.partition(":")
        names = [x.strip() for x in rest.split("|")]
        out.append((int(g), names[0], names))
    return out


TOPIC_COLLECTIONS = [
    ("five-measures", "五大举措", ["聚焦生意增长", "降本增效"], _items(
        "0:保生意|保获客; 0:抢生意|抢商机; 0:走出去; 1:降成本|降低成本; 1:减负担|减轻负担"),
     "平台今年提出的五大举措，分为聚焦生意增长和降本增效两个方面。"),
    ("new-tracks", "新生意赛道", ["渠道", "产品", "市场"], _items(
        "2:出海|跨境出口; 0:分销|分销商; 1:定制|轻定制; 1:厂牌|自有品牌; 0:线下门店|线下渠道; "
        "0:达人带货; 0:店播; 1:白牌; 2:海外仓; 2:全托管; 2:半托管"),
     "批发模式之外的新生意机会，也是平台接下来的主要发力点。"),
    ("companies", "企业图谱", ["电商与物流", "芯片与硬件", "汽车与能源", "消费品牌", "海外科技"], _items(
        "0:唯品会; 0:苏宁易购; 0:当当; 0:有赞; 0:微盟; 0:货拉拉; 0:满帮; 0:极兔速递; 0:中通快递; "
        "0:圆通速递; 0:京东物流; 0:菜鸟驿站; 1:摩尔线程; 1:壁仞科技; 2:赛力斯; 2:哪吒汽车; 3:鸣鸣很忙; 4:AMD; 4:ASML; 1:地平线; 1:寒武纪; 1:海光信息; 1:紫光展锐; 1:长江存储; 1:长鑫存储; "
        "1:北方华创; 1:中微公司; 1:汇川技术; 2:三一重工; 2:潍柴动力; 2:隆基绿能; 2:通威股份; 2:阳光电源; "
        "2:亿纬锂能; 2:国轩高科; 2:零跑汽车; 2:极氪; 2:长城汽车; 2:吉利汽车; 2:奇瑞; 2:长安汽车; "
        "3:元气森林; 3:喜茶; 3:奈雪的茶; 3:霸王茶姬; 3:库迪咖啡; 3:完美日记; 3:花西子; 3:李宁; 3:安踏; "
        "3:波司登; 3:三只松鼠; 3:良品铺子; 3:农夫山泉; 3:东方甄选; 4:三星; 4:索尼; 4:英特尔; 4:高通; "
        "4:台积电; 4:甲骨文; 4:Salesforce; 4:Shopify; 4:Shein|希音服饰"),
     "本站文章里反复出现的企业，按行业分组。"),
    ("tech-radar", "技术雷达", ["人工智能", "基础设施", "数据与安全", "终端与交互"], _items(
        "0:检索增强生成|RAG; 0:混合专家模型; 0:模型蒸馏; 0:提示工程; 0:具身智能; 0:端侧模型; 0:文生视频; "
        "0:代码助手; 0:智能客服; 0:虚拟主播; 0:AI搜索; 0:多智能体协作; 1:算力调度; 1:智算中心; 1:量子计算; 1:光模块; 1:液冷; 1:存算一体; "
        "1:先进封装; 1:高带宽内存|HBM; 1:RISC-V; 1:卫星互联网; 1:容器编排; 1:服务网格; 1:可观测性; "
        "1:Serverless|无服务器架构; 2:零信任; 2:隐私计算; 2:联邦学习; 2:数据要素; 2:湖仓一体; 2:流批一体; "
        "2:图数据库; 2:时序数据库; 3:鸿蒙; 3:脑机接口; 3:空间计算; 3:折叠屏; 3:固态电池; 3:钠离子电池; "
        "3:800V高压平台; 3:城市NOA; 3:车路协同; 3:人形机器人; 3:协作机器人; 3:工业视觉; 3:低空经济; 3:eVTOL"),
     "值得持续跟踪的技术方向，按领域分组。"),
    ("clusters", "产业带地图", ["华东", "华南", "华北与中西部"], _items(
        "0:义乌小商品; 0:宁波小家电; 0:温州鞋服; 0:永康五金; 0:南通家纺; 0:丹阳眼镜; 0:苏州婚纱; "
        "0:平湖羽绒服; 0:海宁皮革; 0:柯桥纺织; 0:慈溪电器; 0:台州汽配; 0:沭阳花木; 0:德化陶瓷; "
        "0:安溪茶叶; 0:晋江鞋业; 0:石狮服装; 1:东莞玩具; 1:揭阳五金; 1:汕头玩具; 1:佛山家具; 1:中山灯饰; "
        "1:华强北; 1:白云皮具; 1:柳州螺蛳粉; 2:曹县汉服; 2:白沟箱包; 2:清河羊绒; 2:平乡自行车; "
        "2:临沂商城; 2:寿光蔬菜; 2:许昌假发; 2:南阳艾草; 2:亳州中药材; 2:景德镇陶瓷"),
     "源头工厂集中的产业带，按地区分组。"),
    ("policy", "政策与监管", ["促消费", "数字经济", "外贸"], _items(
        "0:以旧换新; 0:设备更新; 0:首店经济; 0:夜间经济; 0:银发经济; 0:县域商业体系; 0:仅退款; "
        "1:个人信息保护法; 1:数据安全法; 1:反不正当竞争; 1:平台经济; 1:专精特新; 1:新质生产力; "
        "1:统一大市场; 1:数字人民币; 2:跨境数据流动; 2:市场采购贸易; 2:9610模式; 2:9710模式; "
        "2:一带一路; 2:RCEP"),
     "和平台、商家关系最密切的政策与监管动向。"),
    ("concepts", "商业概念", ["经营指标", "零售业态", "消费趋势"], _items(
        "0:小单快返; 0:质价比; 0:客单价; 0:GMV; 0:动销率; 0:坪效; 0:人效; 0:现金流; 0:长尾需求; "
        "1:厂二代; 1:前置仓; 1:折扣店; 1:量贩零食; 1:仓储会员店; 1:直播切片; 1:短剧; 1:即时配送; "
        "2:国潮; 2:情绪消费; 2:悦己消费; 2:平替; 2:新中产; 2:县城消费; 2:露营经济; 2:谷子经济; 2:宠物友好"),
     "文章里常用的商业概念，按类别分组。"),
]


def _build_pool():
    """Interleave the collections round-robin; check alias uniqueness and substrings."""
    per = [[(ci, k, it) for k, it in enumerate(items)]
           for ci, (_, _, _, items, _) in enumerate(TOPIC_COLLECTIONS)]
    pool = []
    for r in range(max(len(p) for p in per)):
        for p in per:
            if r < len(p):
                pool.append(p[r])
    owner = {}
    for n, (_, _, (_, _, aliases)) in enumerate(pool):
        for a in aliases:
            if a in owner:
                raise AssertionError(f"alias {a} shared by two topics")
            owner[a] = n
    for a, n in owner.items():
        for b, m in owner.items():
            if n != m and a in b:
                raise AssertionError(f"alias {a} is a substring of {b} (another topic)")
    return pool


TOPIC_POOL = _build_pool()  # [(collection index, index in collection, (group, title, aliases))]
P = len(TOPIC_POOL)
FORCED_PER_ARTICLE = -(-P // 30)  # any 30 consecutive articles mention every pool topic
TOPIC_WEIGHTS = [1.0 / (r + 1) ** 1.0 for r in range(P)]  # Zipf over pool rank

MENTION_TEMPLATES = [
    "{c}在{m}方面的做法，引起了不少{a}的关注。",
    "谈到{m}，{c}相关负责人表示，这是今年最重要的工作之一。",
    "{t}，{m}成为{a}讨论最多的话题之一。",
    "不少{a}认为，{m}将直接影响{f}的走向。",
    "围绕{m}，{o}发布的报告给出了更具体的数字。",
    "从{m}的实践来看，{f}并没有想象中那么容易。",
    "{a}对{m}的态度正在发生变化，{res}。",
]


class Rng:
    """Thin wrapper that only ever calls random.Random.random()."""

    __slots__ = ("_r",)

    def __init__(self, seed, index):
        self._r = random.Random(seed * 1_000_003 + index + 1)  # int seed: stable

    def random(self):
        return self._r.random()

    def below(self, n):
        return int(self._r.random() * n)

    def between(self, lo, hi):  # inclusive
        return lo + int(self._r.random() * (hi - lo + 1))

    def choice(self, seq):
        return seq[int(self._r.random() * len(seq))]

    def weighted(self, seq, cum):
        x = self._r.random() * cum[-1]
        lo, hi = 0, len(cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] > x:
                hi = mid
            else:
                lo = mid + 1
        return seq[lo]

    def hexs(self, n):
        return "".join("0123456789abcdef"[int(self._r.random() * 16)] for _ in range(n))


def _cum(weights):
    out, s = [], 0.0
    for w in weights:
        s += w
        out.append(s)
    return out


SRC_CUM = _cum([w for _, w, _ in SOURCES])
TAG_CUM = _cum(TAG_WEIGHTS)


def yq(s):
    """Double-quoted YAML scalar, safe for any string."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F or 0x80 <= o <= 0x9F:
            out.append("\\x%02x" % o)
        elif o in (0x2028, 0x2029, 0xFEFF) or 0xD800 <= o <= 0xDFFF:
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_FIELDS_RE = re.compile(r"\{(\w+)\}")
_GENS = {
    "c": lambda rng, y: rng.choice(COMPANIES), "a": lambda rng, y: rng.choice(ACTORS),
    "f": lambda rng, y: rng.choice(FIELDS), "t": lambda rng, y: rng.choice(TECHS),
    "pr": lambda rng, y: rng.choice(PRODUCTS), "old": lambda rng, y: rng.choice(OLDS),
    "new": lambda rng, y: rng.choice(NEWS), "short": lambda rng, y: rng.choice(TITLE_SHORTS),
    "n": lambda rng, y: rng.between(3, 9), "bn": lambda rng, y: rng.choice("百千万"),
    "y": lambda rng, y: y, "p": lambda rng, y: rng.between(2, 45),
    "d": lambda rng, y: rng.between(3, 60), "k": lambda rng, y: rng.between(10, 900),
}
_KEYS_CACHE = {}


def _fill(rng, tpl, year):
    """Fill {placeholders} in order of first appearance (deterministic)."""
    keys = _KEYS_CACHE.get(tpl)
    if keys is None:
        keys = _KEYS_CACHE[tpl] = tuple(dict.fromkeys(_FIELDS_RE.findall(tpl)))
    if not keys:
        return tpl
    return tpl.format(**{k: _GENS[k](rng, year) for k in keys})


def _num(rng):
    return "%d.%d" % (rng.between(1, 999), rng.below(10))


def sentence(rng, year):
    k = rng.below(14)
    c, a, f = rng.choice(COMPANIES), rng.choice(ACTORS), rng.choice(FIELDS)
    res = _fill(rng, rng.choice(RESULTS), year)
    t = _fill(rng, rng.choice(TIMES), year)
    if k == 0:
        return f"{t}，{c}持续加码{f}，{res}。"
    if k == 1:
        return (f"据{rng.choice(ORGS)}数据显示，{year - rng.below(2)}年{f}市场规模达到{_num(rng)}亿元，"
                f"同比增长{rng.between(2, 60)}.{rng.below(10)}%。")
    if k == 2:
        return f"{a}正在从{rng.choice(OLDS)}转向{rng.choice(NEWS)}，这一变化比很多人预想的来得更快。"
    if k == 3:
        return f"在{f}领域，{c}的{rng.choice(PRODUCTS)}已经覆盖超过{rng.between(100, 9000)}家{a}，{res}。"
    if k == 4:
        return f"业内人士认为，{f}的关键在于{rng.choice(NEWS)}，而不是简单的{rng.choice(OLDS)}。"
    if k == 5:
        return f"对于{a}而言，{f}意味着更短的回报周期，也意味着更高的试错成本。"
    if k == 6:
        return (f"{c}相关负责人表示，未来三年将投入{rng.between(5, 500)}亿元用于{f}，"
                f"重点发展{rng.choice(TECHS)}和{rng.choice(TECHS)}。")
    if k == 7:
        return f"随着{rng.choice(TECHS)}逐渐成熟，越来越多的{a}开始尝试{f}，{res}。"
    if k == 8:
        return f"{rng.choice(CONNECTORS)}，{c}也在{f}上加大投入，{res}。"
    if k == 9:
        return (f"一位来自{rng.choice(['广州', '深圳', '义乌', '宁波', '苏州', '杭州', '东莞', '泉州'])}的"
                f"{a}负责人告诉记者：“以前靠{rng.choice(OLDS)}就能赚钱，现在必须把{f}做扎实。”")
    if k == 10:
        return f"{rng.choice(CONNECTORS)}，{rng.choice(TECH_SENTENCES)}"
    if k == 11:
        return rng.choice(TECH_SENTENCES)
    if k == 12:
        return f"{t}，{f}的竞争格局发生了明显变化，头部企业的市场份额进一步集中到{rng.between(30, 80)}%左右。"
    return f"{c}在{f}上的尝试说明，{rng.choice(TECHS)}只有和具体的业务场景结合，才能真正产生价值。"


TOPIC_CUM = _cum(TOPIC_WEIGHTS)


def mention(rng, year, n):
    """One sentence that mentions pool topic n by one of its aliases."""
    _, _, (_, _, aliases) = TOPIC_POOL[n]
    tpl = rng.choice(MENTION_TEMPLATES)
    return tpl.format(
        m=rng.choice(aliases), c=rng.choice(COMPANIES), a=rng.choice(ACTORS), f=rng.choice(FIELDS),
        o=rng.choice(ORGS), t=_fill(rng, rng.choice(TIMES), year),
        res=_fill(rng, rng.choice(RESULTS), year))


def paragraph(rng, year, bold=False, link=None, mentions=()):
    n = rng.between(2, 5)
    sents = [sentence(rng, year) for _ in range(n)]
    for m in mentions:
        sents.insert(rng.below(len(sents) + 1), m)
    n = len(sents)
    if bold:
        i = rng.below(n)
        s = sents[i]
        cut = s.find("，")
        if 0 < cut < len(s) - 2:
            sents[i] = "**" + s[:cut] + "**" + s[cut:]
        else:
            sents[i] = "**" + s[:-1] + "**" + s[-1:]
    if link:
        text, url = link
        sents.insert(rng.below(n + 1), f"更多细节可以参考[{text}]({url})。")
        plain = "".join(s.replace("**", "") for s in sents).replace(f"[{text}]({url})", text)
    else:
        plain = "".join(s.replace("**", "") for s in sents)
    return "".join(sents), plain


def make_article(seed, i, seen_titles):
    rng = Rng(seed, i)
    cat, _, thumb_prefix = rng.weighted(SOURCES, SRC_CUM)
    when = DATE_START + _dt.timedelta(seconds=rng.below(DATE_SPAN_S))
    year = when.year

    # Unique title (looks only at earlier articles: prefix-stable).
    title = None
    for _ in range(30):
        cand = _fill(rng, rng.choice(TITLE_TEMPLATES), year)
        r = rng.random()
        if r < 0.02:  # a few titles carry ASCII quotes / colons to exercise quoting
            cand = cand.replace("：", ': "', 1) + '"' if "：" in cand else '"' + cand + '"'
        if cand not in seen_titles:
            title = cand
            break
    if title is None:
        k = 2
        while f"{cand}（{k}）" in seen_titles:
            k += 1
        title = f"{cand}（{k}）"
    seen_titles.add(title)

    ntags = rng.between(1, 4)
    tags = []
    while len(tags) < ntags:
        t = rng.weighted(TAGS, TAG_CUM)
        if t not in tags:
            tags.append(t)

    # Forced topic mentions, consumed by the fixed-part paragraphs and list items.
    forced = [mention(rng, year, (i * FORCED_PER_ARTICLE + j) % P) for j in range(FORCED_PER_ARTICLE)]

    def take(k):
        got = forced[:k]
        del forced[:k]
        return got

    target = MIN_BODY + rng.below(MAX_BODY - 640 - MIN_BODY)
    blocks, plains = [], []
    size = 0

    def add(md, plain=""):
        nonlocal size
        blocks.append(md)
        if plain:
            plains.append(plain)
        size += len(md.encode("utf-8")) + 2

    if rng.random() < 0.5:
        w1 = rng.choice(SURNAMES) + rng.choice(GIVEN)
        w2 = rng.choice(SURNAMES) + rng.choice(GIVEN)
        add(f"作者 | {w1}\n\n编辑 | {w2}", f"作者 | {w1}编辑 | {w2}")
    md, pl = paragraph(rng, year, bold=True, mentions=take(1))
    add(md, pl)

    hcount = 0

    def heading():
        nonlocal hcount
        hcount += 1
        num = "一二三四五六七八九十"[min(hcount, 10) - 1]
        h = _fill(rng, rng.choice(HEADINGS), year)
        add(f"## {num}、{h}")

    heading()
    md, pl = paragraph(rng, year, link=(f"{rng.choice(ORGS)}的报告",
                                        f"https://www.example.com/research/{rng.hexs(12)}"),
                       mentions=take(2))
    add(md, pl)
    add(f"![{rng.choice(COMPANIES)}{rng.choice(FIELDS)}示意图](https://img.example.com/{cat}/{rng.hexs(16)}.jpeg)")
    md, pl = paragraph(rng, year, bold=rng.random() < 0.5, mentions=take(2))
    add(md, pl)
    items = []
    for _ in range(rng.between(3, 6)):
        s = "".join(take(1)) or sentence(rng, year)
        items.append(f"- **{rng.choice(FIELDS)}**：{s}")
    add("\n".join(items))
    heading()
    md, pl = paragraph(rng, year, mentions=take(len(forced)))  # whatever is left
    add(md, pl)
    add("> " + sentence(rng, year) + sentence(rng, year))
    if rng.random() < 0.2:
        lang, code = rng.choice(CODE_SNIPPETS)
        add(f"```{lang}\n{code}```")
    if rng.random() < 0.15:
        y0 = year - 1
        rows = [f"| 指标 | {y0 - 1}年 | {y0}年 | 同比 |", "| --- | ---: | ---: | ---: |"]
        for _ in range(rng.between(3, 5)):
            rows.append(f"| {rng.choice(TABLE_ROWS)} | {_num(rng)} | {_num(rng)} | "
                        f"{rng.between(-30, 80)}.{rng.below(10)}% |")
        add("\n".join(rows))

    while size < target:
        r = rng.random()
        if r < 0.18:
            blk = None  # heading
        elif r < 0.25:
            blk = "> " + sentence(rng, year)
        elif r < 0.30:
            blk = "\n".join("- " + sentence(rng, year) for _ in range(rng.between(2, 4)))
        else:
            extra = [mention(rng, year, rng.weighted(range(P), TOPIC_CUM))] if rng.random() < 0.3 else []
            blk, pl = paragraph(rng, year, bold=rng.random() < 0.3, mentions=extra)
        est = 40 if blk is None else len(blk.encode("utf-8")) + 2
        if size + est > MAX_BODY and size >= MIN_BODY:
            break
        if blk is None:
            heading()
        else:
            add(blk, pl if blk[0] not in ">-" else "")
    while size < MIN_BODY:  # (rare) top up with short sentences
        s = sentence(rng, year)
        add(s, s)

    body = "\n\n".join(blocks) + "\n"
    flat = "".join(plains).replace("\n", "")
    summary = flat[:50] + "..."
    uuid = f"{rng.hexs(8)}-{rng.hexs(4)}-4{rng.hexs(3)}-{rng.choice('89ab')}{rng.hexs(3)}-{rng.hexs(12)}"
    thumb = thumb_prefix + uuid + ".jpeg"

    fm = [
        "---",
        f"title: {yq(title)}",
        f"date: {yq(when.strftime('%Y-%m-%d %H:%M:%S'))}",
        f"summary: {yq(summary)}",
        "categories:",
        f"  - {yq(cat)}",
        "lang:",
        '  - "zh-CN"',
        "translations:",
        '  - "zh-CN"',
        "tags:",
        *[f"  - {yq(t)}" for t in tags],
        'menu: ""',
        f"thumbnail: {yq(thumb)}",
        'lead: ""',
        "comments: false",
        "authorbox: false",
        "pager: true",
        "toc: false",
        "mathjax: false",
        'sidebar: "right"',
        "widgets:",
        '  - "search"',
        '  - "recent"',
        '  - "taglist"',
        "---",
        "",
    ]
    slug = f"{when.strftime('%Y%m%d')}-{cat}-{i:06d}"
    return slug, "\n".join(fm) + "\n" + body


# --------------------------------------------------------------------------
# Topics and the site folder
# --------------------------------------------------------------------------

def topic_files(seed, k):
    """[(relative path, text)] for the first k pool topics and their collections."""
    if k > P:
        raise SystemExit(f"--topics {k}: the pool has only {P} topics")
    chosen = TOPIC_POOL[:k]
    used = sorted({ci for ci, _, _ in chosen})
    files = []
    for ci in used:
        slug, title, groups, _, blurb = TOPIC_COLLECTIONS[ci]
        # only the groups that have a chosen topic, in declared order
        gset = {it[0] for c, _, it in chosen if c == ci}
        gl = [groups[g] for g in range(len(groups)) if g in gset]
        text = "\n".join(["---", f"title: {yq(title)}", "groups:", *[f"  - {yq(g)}" for g in gl],
                          "---", "", blurb, ""])
        files.append((f"content/topics/{slug}/_index.md", text))
    for n, (ci, k_in, (g, title, aliases)) in enumerate(chosen):
        slug, ctitle, groups, items, _ = TOPIC_COLLECTIONS[ci]
        weight = 1 + sum(1 for it in items[:k_in] if it[0] == g)  # rank inside its group
        rng = Rng(seed, 10_000_000 + n)
        year = 2024
        body = (f"{title}是“{ctitle}”中的一项，归入“{groups[g]}”。"
                + sentence(rng, year) + sentence(rng, year) + "\n")
        text = "\n".join(["---", f"title: {yq(title)}", "aliases:", *[f"  - {yq(a)}" for a in aliases],
                          f"group: {yq(groups[g])}", f"weight: {weight * 10}", "---", "", body])
        files.append((f"content/topics/{slug}/topic-{k_in + 1:03d}.md", text))
    return files


# --------------------------------------------------------------------------
# Other languages (--langs)
# --------------------------------------------------------------------------

EN_SUBJECTS = ("the platform", "our suppliers", "the retail sector", "small manufacturers", "cross-border sellers",
               "the logistics network", "regional factories", "independent brands", "the payments team",
               "local distributors", "the search team", "online marketplaces")
EN_VERBS = ("expanded", "reorganised", "doubled down on", "cut the cost of", "automated", "rebuilt",
            "measured", "opened up", "slowed", "streamlined", "tested", "priced")
EN_OBJECTS = ("its supply chain", "overseas shipping", "customer support", "the onboarding flow",
              "warehouse capacity", "data pipelines", "seasonal promotions", "the product catalogue",
              "fulfilment centres", "payment settlement", "inventory forecasting", "wholesale pricing")
EN_TAILS = ("in the third quarter", "after a difficult year", "across twelve provinces", "ahead of the holidays",
            "with mixed results", "for the first time", "at a lower cost than expected", "despite rising fees",
            "under new management", "in partnership with banks")
EN_HEADINGS = ("Background", "What changed", "The numbers", "Risks", "Outlook", "How it works", "Reactions",
               "Lessons")
EN_CODE_SNIPPETS = [(lang, code) for lang, code in CODE_SNIPPETS if all(ord(c) < 0x2E80 for c in code)]
EN_TAGS = ("retail", "logistics", "ecommerce", "manufacturing", "exports", "payments", "ai", "cloud",
           "supply-chain", "policy", "startups", "markets")


def _en_sentence(rng):
    return (f"{rng.choice(EN_SUBJECTS).capitalize()} {rng.choice(EN_VERBS)} {rng.choice(EN_OBJECTS)} "
            f"{rng.choice(EN_TAILS)}.")


def english_article(seed, i):
    """(slug, text): an English article with the seed's front matter and a 5-8 KiB body."""
    rng = Rng(seed, 20_000_000 + i)
    cat, _, thumb_prefix = rng.weighted(SOURCES, SRC_CUM)
    when = DATE_START + _dt.timedelta(seconds=rng.below(DATE_SPAN_S))
    title = f"{_en_sentence(rng)[:-1]} ({i})"
    summary = _en_sentence(rng) + " " + _en_sentence(rng)
    tags = sorted({rng.choice(EN_TAGS) for _ in range(rng.between(1, 3))})
    blocks, size = [], 0
    while size < MIN_BODY:
        r = rng.random()
        if r < 0.12:
            blk = "## " + rng.choice(EN_HEADINGS)
        elif r < 0.25:
            blk = "\n".join("- " + _en_sentence(rng) for _ in range(rng.between(2, 4)))
        elif r < 0.30:
            lang, code = rng.choice(EN_CODE_SNIPPETS)
            blk = f"```{lang}\n{code.rstrip()}\n```"
        else:
            words = [_en_sentence(rng) for _ in range(rng.between(3, 6))]
            if rng.random() < 0.3:
                words[0] = f"**{words[0]}**"
            if rng.random() < 0.2:
                words[-1] = f"[{words[-1][:-1]}](https://example.org/en/{i}/{len(blocks)}/)."
            blk = " ".join(words)
        if size + len(blk) + 2 > MAX_BODY:
            break
        blocks.append(blk)
        size += len(blk) + 2
    body = "\n\n".join(blocks) + "\n"
    uuid = f"{rng.hexs(8)}-{rng.hexs(4)}-4{rng.hexs(3)}-{rng.choice('89ab')}{rng.hexs(3)}-{rng.hexs(12)}"
    fm = ["---", f"title: {yq(title)}", f"date: {yq(when.strftime('%Y-%m-%d %H:%M:%S'))}",
          f"summary: {yq(summary)}", "categories:", f"  - {yq(cat)}",
          "lang:", '  - "en"', "translations:", '  - "en"', "tags:", *[f"  - {yq(t)}" for t in tags],
          'menu: ""', f"thumbnail: {yq(thumb_prefix + uuid + '.jpeg')}", 'lead: ""', "comments: false",
          "authorbox: false", "pager: true", "toc: false", "mathjax: false", 'sidebar: "right"', "widgets:",
          '  - "search"', '  - "recent"', '  - "taglist"', "---", ""]
    return f"{when.strftime('%Y%m%d')}-{cat}-{i:06d}", "\n".join(fm) + "\n" + body


def _hk_converter():
    try:
        import opencc  # the one dependency beyond the standard library, for --langs with zh-HK
    except ImportError:
        raise SystemExit("--langs with zh-HK needs the opencc package (pip install opencc)") from None
    return opencc.OpenCC("s2hk")


def lang_article(seed, i, lang, seen, hk):
    """(path, text) of article i in language `lang` (a content folder per language)."""
    if lang == "en":
        slug, text = english_article(seed, i)
    else:
        slug, text = make_article(seed, i, seen)
        text = text.replace('  - "zh-CN"', f'  - "{lang}"', 2)  # lang and translations
        if lang.lower() == "zh-hk":
            text = hk.convert(text)
    return f"content/{lang}/posts/{slug}.md", text


def _digest(entries):
    """entries: iterable of (relative posix path, bytes)."""
    h = hashlib.sha256()
    for rel, data in sorted(entries):
        h.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def site_digest(site_dir):
    """Recompute the digest from the files on disk (everything but .tongwen-cache)."""
    entries = []
    for root, dirs, files in os.walk(site_dir):
        dirs[:] = [d for d in dirs if d != ".tongwen-cache"]
        for f in files:
            p = os.path.join(root, f)
            rel = os.path.relpath(p, site_dir).replace(os.sep, "/")
            with open(p, "rb") as fh:
                entries.append((rel, fh.read()))
    return _digest(entries)


def generate(out_dir, n, seed, topics=200, clean=False, quiet=False, langs=()):
    if clean:
        for sub in ("content", "static", "templates"):
            shutil.rmtree(os.path.join(out_dir, sub), ignore_errors=True)
    entries = [("site.yaml", f"title: {SITE_TITLE}\nbase_url: {BASE_URL}\n".encode())]
    seen = set()
    total = 0
    hk = _hk_converter() if any(lang.lower() == "zh-hk" for lang in langs) else None
    for i in range(n):
        if langs:
            rel, text = lang_article(seed, i, langs[i % len(langs)], seen, hk)
            entries.append((rel, text.encode("utf-8")))
            continue
        slug, text = make_article(seed, i, seen)
        entries.append((f"content/posts/{slug}.md", text.encode("utf-8")))
    topic_root = next((f"content/{lang}/" for lang in langs if lang.lower().startswith("zh")), "content/")
    for rel, text in topic_files(seed, topics):
        entries.append((topic_root + rel[len("content/"):], text.encode("utf-8")))
    made = set()
    for rel, data in entries:
        p = os.path.join(out_dir, *rel.split("/"))
        d = os.path.dirname(p)
        if d not in made:
            os.makedirs(d, exist_ok=True)
            made.add(d)
        with open(p, "wb") as f:
            f.write(data)
        total += len(data)
    digest = _digest(entries)
    if not quiet:
        print(f"wrote {n} articles + {topics} topics ({total / 1e6:.1f} MB) to {out_dir}  "
              f"seed={seed}  sha256={digest}")
    return digest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--topics", type=int, default=200, help=f"number of topics (at most {P})")
    ap.add_argument("--clean", action="store_true",
                    help="delete OUT/content, OUT/static and OUT/templates first")
    ap.add_argument("--langs", default="", help="content folders per language, e.g. en,zh-CN,zh-HK (Hugo's "
                    "content tree); articles are spread over them in turn (default: one content/posts/)")
    args = ap.parse_args(argv)
    langs = tuple(x.strip() for x in args.langs.split(",") if x.strip())
    generate(args.out_dir, args.articles, args.seed, args.topics, clean=args.clean, langs=langs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
