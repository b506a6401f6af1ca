"""Pure text functions: decoding, pinyin, script, mojibake, junk, bylines and dates.

Nothing in this package imports Scrapy; every function can be run on one string in a REPL.
"""
