// pnpm install hooks for the workspace.
//
// @pulumi/pulumi serialises dynamic providers (infra/) by parsing function text with the
// TypeScript *JS API* (`require("typescript")`). Its optional `typescript` peer would resolve to
// the workspace's TypeScript 7, which is Go-native and has no JS API, so serialisation crashes.
// Give @pulumi/pulumi its own private TypeScript 5 for parsing; the workspace still compiles
// with TypeScript 7 and nothing else sees this copy.
module.exports = {
  hooks: {
    readPackage(pkg) {
      if (pkg.name === '@pulumi/pulumi' && pkg.peerDependencies && pkg.peerDependencies.typescript) {
        delete pkg.peerDependencies.typescript
        if (pkg.peerDependenciesMeta) delete pkg.peerDependenciesMeta.typescript
        pkg.dependencies = { ...pkg.dependencies, typescript: '5.9.3' }
      }
      return pkg
    },
  },
}
