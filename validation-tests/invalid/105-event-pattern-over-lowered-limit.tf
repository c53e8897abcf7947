# path: secrets
# expect: Event pattern too long
# expect: over event_pattern_max_length = 800
# expect: 2048 by default
# expect: 1 of 2 secrets fit
# expect: set event_pattern_max_length to it (up to 4096)
# No configuration whose filter pattern fits 1024 characters has an event
# pattern over the default 2048 (the filter binds first: see the unit test
# within_the_filter_limit_the_event_pattern_fits_the_default_quota), so the
# event pattern's capacity message is exercised with a lowered limit.
resource "secretmonitor_pipeline" "this" {
  name                     = "prod-secrets"
  secrets                  = ["prod/db", "prod/api"]
  tamper_alerts            = false
  event_pattern_max_length = 800
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
