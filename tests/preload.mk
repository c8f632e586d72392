# tests/preload.mk: filled in by its owner
