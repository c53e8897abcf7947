# path: allowed_principals[0]
# expect: Invalid allowed principal
# expect: bare name
# expect: arn:aws:iam::ACCOUNT_ID:role/app-prod
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  allowed_principals = ["app-prod"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
