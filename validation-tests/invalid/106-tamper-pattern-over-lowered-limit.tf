# path: event_pattern_max_length
# expect: Tamper pattern too long
# expect: event_pattern_max_length = 1000
# expect: or set tamper_alerts = false
resource "secretmonitor_pipeline" "this" {
  name                     = "prod-secrets"
  event_pattern_max_length = 1000
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
