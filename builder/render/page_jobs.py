"""Every page but articles (phase 2 of a render), as jobs in the order a serial build renders them."""

from __future__ import annotations

from .backlinks import backlinks_jobs
from .context import Ctx
from .feeds import rss
from .job import Job, _job
from .list_pages import list_jobs
from .other_pages import _not_found, _redirect, _search_page
from .page_vars import _site_vars
from .plan import _Plan
from .previews import preview_jobs
from .topic_pages import collection_jobs


def _rest_jobs(plan: _Plan, ctx: Ctx) -> list[Job]:
    """Every page but articles, as small jobs in the order a serial build renders them. What each
    job reads beyond the global signature is recorded as it runs (reads.py)."""
    articles = plan.site.articles
    jobs = list_jobs(plan, ctx) + collection_jobs(plan, ctx)
    jobs += backlinks_jobs(ctx, plan.env, plan.site.index, plan.links) + preview_jobs(ctx)
    for alias, target in plan.site.redirects:
        jobs.append(_job(_redirect, ctx, plan.env, alias, target, ident=(alias, target)))
    jobs.append(_job(rss, ctx, "", _site_vars(ctx)["title"], list(articles), ident=("",)))
    jobs.append(_job(_search_page, ctx, plan.env))
    jobs.append(_job(_not_found, ctx, plan.env))
    return jobs
