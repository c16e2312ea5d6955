# Mesh gateway: carries cross-datacenter (peering) traffic, control plane included
# (mesh entry PeerThroughMeshGateways = true).
#   nomad job run -var datacenter=dc1 -var wan_address=<mesh-gateway LB IP> mesh-gateway.nomad.hcl

variable "datacenter" {
  type        = string
  description = "Nomad datacenter to run in"
}

variable "wan_address" {
  type        = string
  description = "The mesh gateway LB's static IP: what peers dial (the token carries it)"
}

variable "port" {
  type        = number
  default     = 8443
  description = "Gateway port: static on the host and the LB's port"
}

job "mesh-gateway" {
  datacenters = [var.datacenter]
  type        = "service"

  group "mesh-gateway" {
    count = 1

    network {
      mode = "host"
      port "mesh" {
        static = var.port
      }
    }

    update {
      max_parallel     = 1
      health_check     = "checks"
      min_healthy_time = "10s"
      healthy_deadline = "5m"
      auto_revert      = true
    }

    service {
      name = "mesh-gateway"
      port = "mesh"

      # Peers reach this gateway through its LB's static IP, stable across client
      # replacement (no dependency on the client VM's own address).
      tagged_addresses {
        wan      = var.wan_address
        wan_ipv4 = var.wan_address
      }

      check {
        name     = "mesh-gateway-listening"
        type     = "tcp"
        port     = "mesh"
        interval = "10s"
        timeout  = "2s"
      }

      connect {
        gateway {
          proxy {
            # The passthrough LB delivers packets still addressed to the LB's IP, so Envoy
            # must listen on all addresses, not only the node's (its default bind).
            envoy_gateway_no_default_bind = true
            envoy_gateway_bind_addresses "all" {
              address = "0.0.0.0"
              port    = var.port
            }
          }
          mesh {}
        }
      }
    }
  }
}
