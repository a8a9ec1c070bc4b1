"""The build on Apache Spark (`python -m lib.build --engine spark`): the same stages as lib.build, for
collections past one machine. Per-paper work calls the same functions of lib.pipeline, lib.cleaning,
lib.describing and lib.reading inside Spark tasks; only the whole-corpus steps (dedupe's pairs and
connected components, TF-IDF's vocabulary, LSA, KMeans, similar papers) change engine. docs/scaling.md maps
each stage. Importing this package does not import pyspark: lib.build imports it only for that engine.
"""
