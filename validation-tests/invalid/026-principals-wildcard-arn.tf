# path: allowed_principals[1]
# expect: Invalid allowed principal
# expect: wildcards are not supported
# expect: account ID
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  allowed_principals = ["111122223333", "arn:aws:iam::111122223333:role/app-*"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
