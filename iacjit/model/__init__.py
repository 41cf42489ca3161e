"""The resource model shared by every parser, provider and rule."""
