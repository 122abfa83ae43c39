"""kamer-kb: read Dutch government documents into a searchable knowledge base."""

__version__ = "0.1.0"
