"""Which characters belong to which edition's script: for the pass after OpenCC (leftovers.py) and
`check --script` (purity.py).

OpenCC converts phrase by phrase, and a phrase it picks can keep a character of the source script
(珍贵价值 → 珍貴价值: its phrase 贵价 keeps 价; 阿里云为 → 阿里云為: its phrase 云为 keeps 云).
What the installed OpenCC can tell is asked of it, one character at a time (`char_map`). What it
cannot tell is kept here: which characters are written in both scripts (云 is also the classical
Traditional 云 "to say"), taken from OpenCC 1.4.2's STCharacters and TSCharacters (a character
listed among its own conversions), BMP only; tests/test_opencc_slips.py checks them against the
installed OpenCC where its `opencc_dict` tool is shipped.
"""

from __future__ import annotations

from collections.abc import Callable

# Simplified characters that are also Traditional characters (STCharacters: 云 → 雲 云).
ST_DUAL = frozenset(
    "㐹万丑丰了于云亘仆仇价仿伙余佛佣俊修借僵克党具冢冬准凌几凶出划刮制千升卜占卷厂厘只台叶吁吃合吊同"
    "后向吣呆周咨咸咽哄唇喂噪回困坐坯堤夫夸奸姜娘它家尸局岩岳巨布帘席干幸广庵弦彩征御志念恤愈愿戚扇才"
    "扎托扣折抵拐拿挂挨挽捆捍据搜斗斤斫旋昆暗曲札朱朴杆杠杯杰松板极果柜栗核梁棱檗欲沈沾泛注浚涂涌淀游"
    "溪漓澄焰熏狸玩琅璇症皂矩确硷私秋种穗筑筱糊系累耇胄背胜胡腊腌膻致舍芸苔苹范荐蒙蔑藤虫蚝蜡蝎表谷豆"
    "象跖辟适郁酸采里雇雕面")
# Traditional characters that are also Simplified characters (TSCharacters: 乾 → 乾 干).
TS_DUAL = frozenset(
    "㑮㒓㓄㔋㖮㗿㘉㘓㘔㛝㜐㜗㜷㞞㟺㢗㢝㦎㦛㦞㨻㩋㪎㯤㰙㵗㵾㶆㷍㷿㸇㹽㺜㻶㿖㿗㿧䀉䀹䂎䅐䅳䆉䉑䉙䉬䉲䉶"
    "䊭䊺䋃䋔䋦䋼䋿䌈䌋䌖䌝䌟䌥䌰䍤䍽䎙䕤䕳䖅䗅䗿䙔䙱䚩䛄䛳䜖䝭䝻䞈䞋䞓䟃䟆䟐䠆䠱䡐䡩䢨䤤䥄䥗䥩䥯䦘䦯"
    "䦳䪊䪏䪗䪘䪴䪾䫀䫂䫟䫴䫶䫻䫾䬓䬘䬝䬞䬧䭀䭃䭑䭔䭿䮝䮞䮠䮫䮰䮳䮾䯤䱀䱁䱙䱧䱬䱰䱸䲅䲖䲰䳜䳢䳤䳧䳫䴋"
    "䴬䴱䴴䴽䵳䵴䶕䶲么乾仝俓俱像儣儭凙剋剾劄勑叚吒哩哯唓喆嗹嘪嘳嘺噅噞嚛嚽囃囒圞坏埬堃堚墲壈壣夥婡媈"
    "嬇嬣嬦嬻孄孆孇孎孾寠屩嵼嶈嶘嶹巊巗幝幩廧彃彷徵徿愻憢憸憹懀懎扞掚摋摐撊撧擟擫攋斅斸於昇曊梖椀楇槫"
    "樠樤檭檵櫅櫠欇欍欐欑欘殢毊氭氾沈淼溡潣澂澅澬濿瀃灍煇熂熉熌熓熚熡爃爄爇爖爥爧犇犞猌獊獩玁珼瑻瑽璝"
    "璼璾瓄瓕甦甯畼痮瘱癐皟盨眝瞤瞭矉矑碙礆礒礮祇祕竚竱筦篘簂簢籋糺紟絁絍絙絜絥絧綀綇綋綟緍緟緤緮緰緷"
    "緸縍縎縬縰縸縺繂繈繏繐繓繟繨繬繷纗纚羵耑聻脥脩腪膹臗艣菉菕葝蒐蒭蓧蕝蕳蕽薆薹藉藷蟂蟘蟜蠀蠙蠦蠾衹"
    "袷襓襗襘襰襵覆覛覹覼訑訜訞訨詊詑詓誂誋誫誳誴誷誺諣諥諯諰謆謉謯謱謸譂譅譆譊譑譨谿豵貗賝賟贃贉贑贚"
    "蹔蹳蹻躘躝軉軕軗軜軨軬軷軿輖輢輨輷轇轊轐轗轠轣迺遱邨鄟醶釐釚釟釨釲釳鈆鈋鈖鈗鈛鈠鈯鈲鉁鉔鉠鉽鉾銁"
    "銂銊銏鋂鋉鋠錂錜錝錥錽鍄鍉鍒鍮鎈鎍鎙鎞鎯鎷鏆鏉鏚鏥鏦鏾鐈鐎鐪鐼鑀鑉鑴閍閐閗閝閞閵阪陞霣霼靧鞾韚韛"
    "韠顂顃顅顣颰颷颾飋飦飵飶餔餦餧餪餫餭饟饠馯駊駎駚駞駤駧駩駫駶駻騃騉騔騚騜騝騟騪騴騻騼驋驓驙驨鬖鬠"
    "魥魦魵魽鮄鮅鮤鮯鮰鮵鮿鯄鯆鯞鯬鯱鯶鯾鰋鰑鰕鰦鰫鰽鱄鱆鱊鱢鱮鳷鳼鳽鴀鴃鴅鴐鴔鴗鴜鴥鴮鴲鴳鴽鵊鵚鵧鵩"
    "鵫鶌鶒鶗鶦鶭鶰鷅鷐鷔鷣鷤鷨鷩鷷鷿鸋鸗麨麲麷麽齩齭齰齴齾龓龢龭龯")
# Simplified-only by STCharacters, but kept by OpenCC's own phrases and written so in Taiwan
# (虱目魚, 倒霉, 么鳳). 恒 is kept by OpenCC's phrases too (恒生, 恒指) but is 恆 in Taiwan.
TW_ALSO = frozenset("么虱霉")
# Traditional-only by TSCharacters, but kept by OpenCC's own phrases in Simplified (八濛山).
CN_ALSO = frozenset("濛")
# Written in both scripts, but the Traditional reading is obsolete (价 "servant", 适 kuò, 苹 a
# grass, 蜡 zhà, 腊 "dried meat", 极 "saddle"…): left by OpenCC in zh-TW text, it is a slip.
FORCE_TW = frozenset("价适苹蜡腊蝎确极柜广厂亘硷")
# Written in both scripts and alive in both: left by OpenCC, it may be right (人云亦云) or a slip
# (阿里云为): listed by `check --conversions`, pinned with the glossary where it is wrong.
AMBIGUOUS_TW = {"云": "雲"}
# Cantonese characters: no Taiwan form; kept as written, and counted apart by `check --script`.
CANTONESE = frozenset("嘅咗啲喺哋嚟嘢啫軚冇佢噉嗰咁啱唔睇揾搵攞畀俾嘥嚿嘞喎囉咩啩噃吖乜瞓諗攰咪唞㗎嚫冚嚡"
                      "氹凼")
# Characters Hong Kong writing uses for a Cantonese word as well as for a Simplified-looking form
# (晒: 曬 or the particle "all"; 吓: 嚇 or 下 in 眨吓眼): kept as written in Hong Kong sources.
HK_USAGE = frozenset("晒吓")
# Hong Kong forms OpenCC's hk2t and t2tw leave, and their Taiwan forms (恒生 → 恆生, 對冲 → 對沖).
HK_TW_EXTRA = {"恒": "恆", "冲": "沖", "滙": "匯", "鷄": "雞", "綉": "繡", "銹": "鏽"}
# Forms hk2t replaces (台 → 臺, 濕 → 溼) that Taiwan writes as well: not counted as variants.
TW_ACCEPTED = frozenset("台濕")
# Phrases OpenCC's s2tw* configs convert wrongly, and their Taiwan form (tests/opencc_slips.tsv):
# its phrase 被髮 ("loose hair") takes 被发现/被发布/被发明 → 被髮…; 作伙 (Taiwanese "together")
# takes 合作伙伴; 而云 ("and said") takes 而云上; 云为 takes 阿里云为.
SLIP_PINS_TW = {"被发": "被發", "被发左衽": "被髮左衽", "伙伴": "夥伴", "阿里云": "阿里雲", "云上": "雲上"}

_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))  # CJK Extension A and the Unified Ideographs


def char_map(*configs: str) -> dict[str, str]:
    """Every BMP ideograph that the OpenCC `configs`, applied in turn to it alone, change into one
    other character. One call per config: no OpenCC phrase spans a line break."""
    from .opencc import opencc_converter
    chars = [chr(c) for lo, hi in _RANGES for c in range(lo, hi + 1)]
    text = "\n".join(chars)
    for config in configs:
        text = opencc_converter(config).convert(text)
    out = text.split("\n")
    assert len(out) == len(chars)
    return {c: o for c, o in zip(chars, out, strict=True) if o != c and len(o) == 1}


def simplified_only() -> dict[str, str]:
    """Characters of Simplified script only, and their Taiwan form (这 → 這, 恒 → 恆, 价 → 價)."""
    s2t = char_map("s2t")
    tw = char_map("s2tw")  # (群 is Simplified by STCharacters, 羣 in s2t; Taiwan writes 群: not listed)
    out = {c: tw[c] for c in s2t if c in tw and c not in ST_DUAL and c not in TW_ALSO}
    out.update((c, tw[c]) for c in FORCE_TW if c in tw)
    return out


def hk_variants() -> dict[str, str]:
    """Hong Kong variant characters and their Taiwan form (綫 → 線, 衞 → 衛, 恒 → 恆)."""
    out = {c: t for c, t in char_map("hk2t", "t2tw").items() if c not in TW_ACCEPTED}
    out.update(HK_TW_EXTRA)
    return out


def traditional_only() -> dict[str, str]:
    """Characters of Traditional script only, and their Simplified form (這 → 这)."""
    return {c: s for c, s in char_map("t2s").items()
            if c not in TS_DUAL and c not in CN_ALSO and c not in CANTONESE}


class Classifier:
    """`classify`, its three tables (`traditional_only`, `hk_variants`, `simplified_only`: about
    30 ms of OpenCC) made once, when first needed, for its owner (one `check --script`)."""

    __slots__ = ("_tables",)

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, str]] = {}

    def _table(self, make: Callable[[], dict[str, str]]) -> dict[str, str]:
        got = self._tables.get(make.__name__)
        if got is None:
            got = self._tables[make.__name__] = make()
        return got

    def __call__(self, ch: str, script: str) -> str:
        """What `ch` is in text of an edition of `script` ('Hans' or 'Hant'): 'cantonese', 'hk'
        (a Hong Kong variant), 'simplified' or 'traditional' (outside the edition's script), or ''."""
        if ch in CANTONESE or (script == "Hant" and ch in HK_USAGE):
            return "cantonese"
        if script == "Hans":
            return "traditional" if ch in self._table(traditional_only) else ""
        if ch in self._table(hk_variants):
            return "hk"
        return "simplified" if ch in self._table(simplified_only) else ""
