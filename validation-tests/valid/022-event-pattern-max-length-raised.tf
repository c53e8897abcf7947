# 105-event-pattern-over-lowered-limit.tf with the most a raised quota allows.
resource "secretmonitor_pipeline" "this" {
  name                     = "prod-secrets"
  secrets                  = ["prod/db", "prod/api"]
  tamper_alerts            = false
  event_pattern_max_length = 4096
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
