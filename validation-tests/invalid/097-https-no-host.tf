# path: notification.https_endpoints[0]
# expect: Invalid HTTPS endpoint
# expect: names no host
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
    https_endpoints = ["https:///sns"]
  }
}
