# path: trail.existing_log_group_name
# expect: Missing existing log group
# expect: trail.existing_log_group_name
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  trail {
    create = false
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
