"""The resource model shared by every parser, provider and rule, with the value vocabulary
(unknown values, port ranges, protocols) they all speak."""
