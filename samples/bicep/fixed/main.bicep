// The fixed twin: SSH and RDP only from the administrators' network (10.20.0.0/24) or the VNet.
// The jump-box module gets the same restricted source.
// A JIT policy covers the VM and an activity-log alert watches NSG rule writes.
// Expected: no finding.

param location string = 'westeurope'

@description('Where administrators connect from')
param adminSource string = '10.20.0.0/24'

var prefix = 'web'
var inboundRules = [
  {
    name: 'allow-https'
    port: '443'
    source: 'Internet'
  }
  {
    name: 'allow-ssh'
    port: '22'
    source: adminSource
  }
]

resource nsg 'Microsoft.Network/networkSecurityGroups@2023-05-01' = {
  name: '${prefix}-nsg'
  location: location
  properties: {
    securityRules: [for (rule, i) in inboundRules: {
      name: rule.name
      properties: {
        priority: 100 + i * 10
        direction: 'Inbound'
        access: 'Allow'
        protocol: 'Tcp'
        sourcePortRange: '*'
        destinationPortRange: rule.port
        sourceAddressPrefix: rule.source
        destinationAddressPrefix: '*'
      }
    }]
  }
}

resource rdpRule 'Microsoft.Network/networkSecurityGroups/securityRules@2023-05-01' = {
  parent: nsg
  name: 'allow-rdp'
  properties: {
    priority: 120
    direction: 'Inbound'
    access: 'Allow'
    protocol: '*'
    sourcePortRange: '*'
    destinationPortRanges: [
      '3380-3390'
    ]
    sourceAddressPrefix: 'VirtualNetwork'
    destinationAddressPrefix: '*'
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2023-05-01' = {
  name: '${prefix}-vnet'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.0.0.0/16'
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: '10.0.1.0/24'
          networkSecurityGroup: {
            id: nsg.id
          }
        }
      }
    ]
  }
}

resource pip 'Microsoft.Network/publicIPAddresses@2023-05-01' = {
  name: '${prefix}-pip'
  location: location
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
  }
}

resource nic 'Microsoft.Network/networkInterfaces@2023-05-01' = {
  name: '${prefix}-nic'
  location: location
  properties: {
    ipConfigurations: [
      {
        name: 'internal'
        properties: {
          subnet: {
            id: '${vnet.id}/subnets/app'
          }
          privateIPAllocationMethod: 'Dynamic'
          publicIPAddress: {
            id: pip.id
          }
        }
      }
    ]
  }
}

resource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = {
  name: '${prefix}-vm'
  location: location
  properties: {
    hardwareProfile: {
      vmSize: 'Standard_B2s'
    }
    osProfile: {
      computerName: '${prefix}-vm'
      adminUsername: 'azureuser'
      linuxConfiguration: {
        disablePasswordAuthentication: true
        ssh: {
          publicKeys: [
            {
              path: '/home/azureuser/.ssh/authorized_keys'
              keyData: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0example'
            }
          ]
        }
      }
    }
    storageProfile: {
      imageReference: {
        publisher: 'Canonical'
        offer: '0001-com-ubuntu-server-jammy'
        sku: '22_04-lts-gen2'
        version: 'latest'
      }
    }
    networkProfile: {
      networkInterfaces: [
        {
          id: nic.id
        }
      ]
    }
  }
}

module jumpbox 'modules/jumpbox.bicep' = {
  name: 'jumpbox'
  params: {
    nsgName: 'jump-nsg'
    location: location
    sshSource: adminSource
  }
}

// Just-in-time access: SSH opens only on approved request, for at most three hours.
resource jit 'Microsoft.Security/locations/jitNetworkAccessPolicies@2020-01-01' = {
  name: '${location}/${prefix}-jit'
  kind: 'Basic'
  properties: {
    virtualMachines: [
      {
        id: vm.id
        ports: [
          {
            number: 22
            protocol: 'TCP'
            allowedSourceAddressPrefix: adminSource
            maxRequestAccessDuration: 'PT3H'
          }
        ]
      }
    ]
  }
}

resource secops 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'secops'
  location: 'Global'
  properties: {
    groupShortName: 'secops'
    enabled: true
  }
}

// Any NSG rule written anywhere in the subscription pages the security team.
resource nsgRuleWrite 'Microsoft.Insights/activityLogAlerts@2020-10-01' = {
  name: 'nsg-rule-write'
  location: 'Global'
  properties: {
    enabled: true
    scopes: [
      subscription().id
    ]
    condition: {
      allOf: [
        {
          field: 'category'
          equals: 'Administrative'
        }
        {
          field: 'operationName'
          containsAny: [
            'Microsoft.Network/networkSecurityGroups/securityRules/write'
          ]
        }
      ]
    }
    actions: {
      actionGroups: [
        {
          actionGroupId: secops.id
        }
      ]
    }
  }
}
