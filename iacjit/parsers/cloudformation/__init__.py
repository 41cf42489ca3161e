"""CloudFormation: JSON and YAML templates with their short-form tags, parameters and the
intrinsic functions."""
