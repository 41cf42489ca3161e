"""ARM templates: located JSON, the template expression language and its function library,
copy loops, nested deployments, and ARM embedded in Terraform (:mod:`.embedded`)."""
