"""Our Scrapy middlewares: incremental harvesting, conditional list fetches, polite retries."""
