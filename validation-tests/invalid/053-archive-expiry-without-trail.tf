# path: archive.expire_after_days
# expect: Archive setting without a trail
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  trail {
    create                  = false
    existing_log_group_name = "org-trail"
  }
  archive {
    expire_after_days = 365
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
