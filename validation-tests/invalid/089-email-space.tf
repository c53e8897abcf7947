# path: notification.emails[0]
# expect: Invalid email address
# expect: white space
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
    emails = ["sec ops@example.com"]
  }
}
