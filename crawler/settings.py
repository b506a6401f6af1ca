"""Scrapy settings for the harvester. Every HARVEST_* setting can also come from the environment."""

import os

from scrapy.settings import default_settings as _scrapy_defaults

from crawler.items import FEED_FIELDS


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _flag(name: str, default: bool = True) -> bool:
    return _env(name, "1" if default else "0").lower() not in ("0", "false", "no", "off")


BOT_NAME = "xcgb-harvester"

SPIDER_MODULES = ["spiders"]  # one module per site family
NEWSPIDER_MODULE = "spiders"  # where `scrapy genspider` writes
COMMANDS_MODULE = "crawler.commands"  # `scrapy extract` and friends

# Who we are, so county webmasters can reach us.
HARVEST_CONTACT = _env("HARVEST_CONTACT", "")  # an e-mail or URL added to the User-Agent
USER_AGENT = f"{BOT_NAME}/0.1 (+{HARVEST_CONTACT or 'research harvester'})"  # names the project

ROBOTSTXT_OBEY = True  # county servers say what they allow; we listen
CONCURRENT_REQUESTS = 16  # overall
CONCURRENT_REQUESTS_PER_DOMAIN = 4  # conservative per site
# Scrapy 2.19 starts this many asyncio workers for every callback's output (default 100: 100
# tasks per page); our stages are synchronous, so a few are as fast and far cheaper.
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 0.25  # seconds between requests to a site (randomised 0.5-1.5x)
AUTOTHROTTLE_ENABLED = True  # back off when a site slows down
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0  # average parallel requests per site AutoThrottle aims at
DOWNLOAD_TIMEOUT = 30  # seconds
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # a news page is never bigger (the biggest seen are ~1 MB)
RETRY_TIMES = 3  # on 5xx, timeouts, connection resets
HTTPCACHE_ENABLED = False  # the raw page is kept in the database instead
TELNETCONSOLE_ENABLED = False  # no listening ports of our own
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19's HTTP control server (it runs Python sent to it): none either
# ... and both left out of Scrapy's base list, not only switched off: Scrapy imports every class
# EXTENSIONS names (even one set to None), and the remote control's module imports aiohttp's web
# server: 0.1 s of CPU at the start of every `scrapy` command that loads a crawler.
_listening = {"scrapy.extensions.telnet.TelnetConsole", "scrapy.extensions.remote_control.RemoteControl"}
EXTENSIONS_BASE = {k: at for k, at in _scrapy_defaults.EXTENSIONS_BASE.items() if k not in _listening}
LOG_LEVEL = "INFO"  # `-L DEBUG` shows every request
LOG_FORMATTER = "crawler.logformatter.HarvestLogFormatter"  # items logged by URL, not as raw bytes
FEED_EXPORT_ENCODING = "utf-8"  # `-o file.jsonl` writes readable Chinese
FEED_EXPORT_FIELDS = FEED_FIELDS  # every Article field but the raw bytes (in the archive) and typed facts

# The item pipeline: the chain (crawler/article.py, glued in by pipelines/article.py), dedup, storage.
ITEM_PIPELINES = {
    "pipelines.article.ArticlePipeline": 100,  # the chain (crawler.article): raw page -> article
    "pipelines.dedup.DedupPipeline": 500,  # the same article seen twice in a crawl
    "pipelines.storage.StoragePipeline": 900,  # SQLAlchemy upsert, raw page kept
}

HARVEST_DB_URL = _env("HARVEST_DB_URL", "sqlite:///data/harvest.sqlite3")  # where articles go
HARVEST_DB_BATCH_SIZE = int(_env("HARVEST_DB_BATCH_SIZE", "50"))  # items per commit
HARVEST_STORE_QUEUE = int(_env("HARVEST_STORE_QUEUE", "500"))  # articles with the writer; more: crawl waits
HARVEST_STORE_DRAIN_TIMEOUT = float(_env("HARVEST_STORE_DRAIN_TIMEOUT", "180"))  # s a close waits for writes
HARVEST_DB_BUSY_TIMEOUT = float(_env("HARVEST_DB_BUSY_TIMEOUT", "30"))  # s a SQLite write waits for a lock
HARVEST_DB_LOCKED_RETRIES = int(_env("HARVEST_DB_LOCKED_RETRIES", "3"))  # still locked: retries of a batch
HARVEST_DB_LOCKED_PAUSE = float(_env("HARVEST_DB_LOCKED_PAUSE", "2"))  # s before the first retry, doubling
HARVEST_FRONTIER_URL = _env("HARVEST_FRONTIER_URL", "")  # redis://…: one frontier shared by worker processes
HARVEST_FRONTIER_IDLE = float(_env("HARVEST_FRONTIER_IDLE", "10"))  # s of silence: a worker is gone
HARVEST_FRONTIER_KEY = _env("HARVEST_FRONTIER_KEY", "harvest:frontier")  # Redis prefix of one crawl
ADDONS = {"crawler.harvest.frontier.FrontierAddon": 0}  # applies HARVEST_FRONTIER_URL
HARVEST_STORE_RAW = _flag("HARVEST_STORE_RAW")  # keep the raw page (compressed)
HARVEST_NORMALIZE_ENABLED = _flag("HARVEST_NORMALIZE_ENABLED")  # the chain's clean-text step
HARVEST_JUNK_ENABLED = _flag("HARVEST_JUNK_ENABLED")  # the chain's SEO-junk step
HARVEST_METADATA_ENABLED = _flag("HARVEST_METADATA_ENABLED")  # the chain's metadata step
HARVEST_DEDUP_ENABLED = _flag("HARVEST_DEDUP_ENABLED")  # in-crawl dedup stage
HARVEST_CHAIN_PROCESS = _flag("HARVEST_CHAIN_PROCESS")  # clean pages in a worker process (chain_process.py)
HARVEST_EPAPER_DAYS = int(_env("HARVEST_EPAPER_DAYS", "30"))  # e-paper walk when no -a since

# Scrapy 2.19 defaults we rely on, stated so an upgrade can't change them silently.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Incremental and scheduled harvesting (docs/harvesting.md)
HARVEST_SPIDERS = _env("HARVEST_SPIDERS", "")  # deprecated (use HARVEST_SOURCES): JSON spider -> arguments
HARVEST_INCREMENTAL_ENABLED = _flag("HARVEST_INCREMENTAL_ENABLED")  # skip stored articles, stop walks early
HARVEST_STOP_AFTER_KNOWN_PAGES = int(_env("HARVEST_STOP_AFTER_KNOWN_PAGES", "2"))  # known-only pages (0: off)
HARVEST_RECHECK_DAYS = float(_env("HARVEST_RECHECK_DAYS", "3"))  # re-fetch articles this recent (0: never)
HARVEST_CONDITIONAL_ENABLED = _flag("HARVEST_CONDITIONAL_ENABLED")  # If-None-Match/If-Modified-Since on lists
HARVEST_RUNS_ENABLED = _flag("HARVEST_RUNS_ENABLED")  # record every run in crawl_runs
HARVEST_RUN_UPDATE_INTERVAL = float(_env("HARVEST_RUN_UPDATE_INTERVAL", "30"))  # s between run refreshes
HARVEST_RETRY_BACKOFF_BASE = float(_env("HARVEST_RETRY_BACKOFF_BASE", "2"))  # s before retry 1, doubling
HARVEST_RETRY_BACKOFF_MAX = float(_env("HARVEST_RETRY_BACKOFF_MAX", "120"))  # longest backoff pause, s
HARVEST_RETRY_AFTER_MAX = float(_env("HARVEST_RETRY_AFTER_MAX", "600"))  # longer Retry-After: give up
HARVEST_EVERY_JITTER = float(_env("HARVEST_EVERY_JITTER", "0.1"))  # `harvest --every`: +-10 % on each wait
HARVEST_PROGRESS_INTERVAL = float(_env("HARVEST_PROGRESS_INTERVAL", "60"))  # s between progress log lines
SPIDER_MIDDLEWARES = {
    "crawler.middlewares.incremental.IncrementalMiddleware": 950,  # stored articles are not requested again
}
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.incremental.WalkStopMiddleware": 120,  # steps of a stopped walk are not sent
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,  # replaced by the one below
    "crawler.middlewares.retry.BackoffRetryMiddleware": 550,  # backoff, Retry-After honoured
    "crawler.middlewares.conditional.ConditionalGetMiddleware": 560,  # 304 on unchanged list pages
}
EXTENSIONS = {
    "crawler.archive.Archive": 0,  # the one owner of the database during a crawl (engine, writer thread)
    "crawler.harvest.runs.RunRecorder": 500,  # the crawl_runs table
    "crawler.harvest.memory.PeakMemory": 600,  # harvest/memory/peak_rss_mb (the crawl's own)
    "crawler.harvest.memory.FrozenHeap": 610,  # gc.freeze() once the chain's models are loaded
}

# Hostile input and faults (docs/reliability.md)
HARVEST_ERRORS_ENABLED = _flag("HARVEST_ERRORS_ENABLED")  # count failed pages by kind, log each once
HARVEST_OFFSITE_ENABLED = _flag("HARVEST_OFFSITE_ENABLED")  # refuse hosts other than the base_url ones
HARVEST_BOUNDS_ENABLED = _flag("HARVEST_BOUNDS_ENABLED")  # date bound on links, endless-list stop
HARVEST_EARLIEST_DATE = _env("HARVEST_EARLIEST_DATE", "1990-01-01")  # links dated before: refused
HARVEST_TRAP_PAGES = int(_env("HARVEST_TRAP_PAGES", "3"))  # list pages of only seen articles: walk ends
HARVEST_EXTRACT_MAX_BYTES = int(_env("HARVEST_EXTRACT_MAX_BYTES", str(5 * 1024 * 1024)))  # bigger: refused
HARVEST_EXTRACT_MAX_DEPTH = int(_env("HARVEST_EXTRACT_MAX_DEPTH", "256"))  # deeper nesting: refused
HARVEST_EXTRACT_MAX_DECODE_ERRORS = int(_env("HARVEST_EXTRACT_MAX_DECODE_ERRORS", "16"))  # more: undecodable
HARVEST_EXTRACT_FORUMS = _env("HARVEST_EXTRACT_FORUMS", "0")  # 1: keep forum and Q&A threads as articles
REDIRECT_MAX_TIMES = 10  # a longer chain is a loop (Scrapy's default: 20)
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"  # the fault ledger logs the failed page once, with its kind
DOWNLOAD_FAIL_ON_DATALOSS = True  # a truncated body is a failed page, never half an article
SPIDER_MIDDLEWARES.update(
    {
        "crawler.middlewares.errors.FailedRequestMiddleware": 40,  # every failure counted and logged once
        "crawler.middlewares.bounds.CrawlBoundsMiddleware": 960,  # far dates, endless lists
    }
)
DOWNLOADER_MIDDLEWARES.update(
    {
        "crawler.middlewares.bounds.SiteBoundMiddleware": 60,  # redirects and links off the harvested sites
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,  # replaced by the one below
        "crawler.middlewares.robots.OneLineRobotsTxtMiddleware": 100,  # unreachable host: no traceback
    }
)
EXTENSIONS.update(
    {
        "crawler.harvest.faults.FaultLedger": 400,  # harvest/errors/<kind>, before the run recorder
    }
)

# Sources as data, run health, failing fast (docs/harvesting.md)
HARVEST_SOURCES = _env("HARVEST_SOURCES", "")  # the registry file (empty: crawler/sources.toml)
HARVEST_UNREACHABLE_AFTER = int(_env("HARVEST_UNREACHABLE_AFTER", "3"))  # DNS/connect failures: host given up
HARVEST_DNS_RETRY_TIMES = int(_env("HARVEST_DNS_RETRY_TIMES", "1"))  # retries of a DNS lookup error
HARVEST_HEALTH_HISTORY = int(_env("HARVEST_HEALTH_HISTORY", "5"))  # recent ok runs a run is judged against
HARVEST_HEALTH_MIN_PAGES = int(_env("HARVEST_HEALTH_MIN_PAGES", "5"))  # fewer pages: shares not judged
HARVEST_DEGRADED_NEW_RATIO = float(_env("HARVEST_DEGRADED_NEW_RATIO", "0.25"))  # new articles below: degraded
HARVEST_DEGRADED_MIN_NEW = int(_env("HARVEST_DEGRADED_MIN_NEW", "10"))  # judged for sources usually this busy
HARVEST_DEGRADED_DATE_DROP = float(_env("HARVEST_DEGRADED_DATE_DROP", "0.3"))  # fall in dated share: degraded
HARVEST_DEGRADED_SELECTOR_DROP = float(_env("HARVEST_DEGRADED_SELECTOR_DROP", "0.3"))  # fall in selector hits
HARVEST_SITE_DEPTH = int(_env("HARVEST_SITE_DEPTH", "3"))  # `site` spider: link hops from a start URL
HARVEST_SITE_MAX_PAGES = int(_env("HARVEST_SITE_MAX_PAGES", "2000"))  # `site` spider: pages a run (0: no cap)
DOWNLOADER_MIDDLEWARES.update(
    {
        "crawler.harvest.reach.UnreachableHosts": 590,  # dead hosts given up, the spider closed early
    }
)
