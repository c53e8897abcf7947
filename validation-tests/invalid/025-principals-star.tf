# path: allowed_principals[0]
# expect: Invalid allowed principal
# expect: wildcards are not supported
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  allowed_principals = ["*"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
