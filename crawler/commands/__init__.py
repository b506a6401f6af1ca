"""`scrapy <command>`s of this project: thin glue over crawler.text, crawler.extract, crawler.db."""
