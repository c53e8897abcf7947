# path: notification.sqs_queue_arns
# expect: No subscriber
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
    sqs_queue_arns  = []
    https_endpoints = []
  }
}
