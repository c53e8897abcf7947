# path: notification.emails
# expect: No subscriber
# expect: at least one
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
  }
}
