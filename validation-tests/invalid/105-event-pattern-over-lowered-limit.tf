# path: secrets
# expect: Configuration over the pipeline's capacity
# expect: event_pattern_max_length = 300
# expect: 2048 by default
# expect: over the limit of 300
# One scope entry's rule alone is longer than a lowered limit: the layout
# cannot split it further.
resource "secretmonitor_pipeline" "this" {
  name                     = "prod-secrets"
  secrets                  = ["prod/db", "prod/api"]
  tamper_alerts            = false
  event_pattern_max_length = 300
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
