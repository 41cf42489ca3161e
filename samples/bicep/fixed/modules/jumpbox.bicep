// Jump-box NSG: SSH from whatever source the caller passes (no default on purpose, so the
// module is only meaningful with its caller's inputs).

param nsgName string
param location string
param sshSource string

resource jumpNsg 'Microsoft.Network/networkSecurityGroups@2023-05-01' = {
  name: nsgName
  location: location
  properties: {
    securityRules: [
      {
        name: 'allow-ssh'
        properties: {
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourcePortRange: '*'
          destinationPortRange: '22'
          sourceAddressPrefix: sshSource
          destinationAddressPrefix: '*'
        }
      }
    ]
  }

  // A nested child rule: type and name are composed with the parent's.
  resource denyTelnet 'securityRules' = {
    name: 'deny-telnet'
    properties: {
      priority: 200
      direction: 'Inbound'
      access: 'Deny'
      protocol: 'Tcp'
      sourcePortRange: '*'
      destinationPortRange: '23'
      sourceAddressPrefix: '*'
      destinationAddressPrefix: '*'
    }
  }
}

output nsgId string = jumpNsg.id
