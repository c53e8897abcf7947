# path: event_pattern_max_length
# expect: Invalid event pattern length limit
# expect: event_pattern_max_length = 5000
# expect: at most 4096
resource "secretmonitor_pipeline" "this" {
  name                     = "prod-secrets"
  event_pattern_max_length = 5000
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
