# path: notification.emails[0]
# expect: Invalid email address
# expect: mailto:
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
    emails = ["mailto:secops@example.com"]
  }
}
