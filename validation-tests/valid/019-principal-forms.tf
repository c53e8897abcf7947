resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  allowed_principals = [
    "arn:aws:iam::111122223333:role/service-role/etl",
    "arn:aws:iam::111122223333:root",
  ]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
