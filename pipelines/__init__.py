"""Item pipeline stages, in the order crawler/settings.py ITEM_PIPELINES gives them."""
