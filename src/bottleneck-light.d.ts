/**
 * Types of `bottleneck/light.js`, the build of Bottleneck that @octokit/plugin-throttling uses:
 * the same API as the full package (whose declarations it shares), without clustering.
 */
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck'
  export default Bottleneck
}
