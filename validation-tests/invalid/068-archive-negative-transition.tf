# path: archive.transition_to_glacier_after_days
# expect: Negative transition
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  archive {
    transition_to_glacier_after_days = -1
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
