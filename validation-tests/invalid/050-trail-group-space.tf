# path: trail.existing_log_group_name
# expect: Invalid log group name
# expect: ' '
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  trail {
    create                  = false
    existing_log_group_name = "org trail"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
