# path: trail.organization
# expect: Setting of a trail that is not created
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  trail {
    create                  = false
    existing_log_group_name = "org-trail"
    organization            = false
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
