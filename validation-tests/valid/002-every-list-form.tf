resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  secrets = [
    "prod/*",
    "db-password",
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api-key-AbCdEf",
  ]
  allowed_principals = [
    "arn:aws:iam::111122223333:role/app-prod",
    "arn:aws:iam::111122223333:user/ci",
    "444455556666",
  ]
  watched_events  = ["GetSecretValue", "BatchGetSecretValue", "DescribeSecret"]
  alert_on_denied = false
  tags = {
    team  = "security"
    "cost:center" = "sec-ops/1 + 2 = 3 @ hq"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
