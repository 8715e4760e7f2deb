"""Entities: a multilingual registry, mention extraction (registry, recognisers, learned names), frequencies.

See docs/entities.md. Heavy parts (spaCy) load only when extraction runs; exports load lazily
so that importing the CLI does not import pandas or the registry.
"""

from analysis.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "entity_frequencies": "analysis.entities.frequencies",
    "entity_cooccurrence": "analysis.entities.frequencies",
    "top_entities": "analysis.entities.frequencies",
    "describe_entity": "analysis.entities.frequencies",
    "resolve_entities": "analysis.entities.frequencies",
    "load_registry": "analysis.entities.registry",
    "Registry": "analysis.entities.registry",
    "RegistryError": "analysis.entities.registry",
})
