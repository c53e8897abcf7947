# path: trail.organization
# expect: Organization trails are multi-region
# expect: multi_region = true
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  trail {
    organization = true
    multi_region = false
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
