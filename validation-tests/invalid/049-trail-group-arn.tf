# path: trail.existing_log_group_name
# expect: Invalid log group name
# expect: "org-trail"
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  trail {
    create                  = false
    existing_log_group_name = "arn:aws:logs:us-east-1:111122223333:log-group:org-trail:*"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
