resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  secrets            = ["arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:db-AbCdEf"]
  allowed_principals = ["arn:aws-us-gov:iam::111122223333:role/app"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
