"""Entities: a multilingual registry, mention extraction (registry + spaCy NER), frequencies.

See docs/entities.md. Heavy parts (spaCy) load only when extraction runs.
"""

from analysis.entities.frequencies import (
    describe_entity,
    entity_cooccurrence,
    entity_frequencies,
    resolve_entities,
    top_entities,
)
from analysis.entities.registry import Registry, RegistryError, load_registry

__all__ = ["entity_frequencies", "entity_cooccurrence", "top_entities", "describe_entity", "resolve_entities",
           "load_registry", "Registry", "RegistryError"]
