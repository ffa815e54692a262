/**
 * The test-facing seeding and inspection of GitHub App webhooks, part of the `Emulator` API of
 * ./server.ts: read an App's webhook config with its real secret, set it, and record deliveries
 * without HTTP. The state is the HookStore's (./store.ts); the endpoints are in ./app-routes.ts.
 */
import type { DeliverySeed, HookStore, StoredDelivery, StoredHookConfig } from './store.js'

/** Fields of `Emulator.setAppHook`. */
export interface AppHookSeed {
  /** http(s) URL the App's deliveries go to (only loopback ones are really sent). */
  url: string
  /** Default `json`. */
  content_type?: 'json' | 'form'
  /** Default none. */
  secret?: string
  /** Default `'0'`. */
  insecure_ssl?: '0' | '1'
}

/** The `Emulator` methods for the webhooks of the apps of `EmulatorOptions.apps`. */
export interface AppHookApi {
  /**
   * The webhook config of App `appId` as stored, with the REAL secret (a copy).
   * @returns undefined while the app has no webhook URL (none seeded nor set through the API)
   * @throws Error when the emulator knows no such app
   */
  appHook(appId: number): StoredHookConfig | undefined
  /**
   * Sets the webhook config of App `appId` directly (no HTTP), REPLACING the previous one (absent
   * fields take the defaults, so an absent secret removes it); the deliveries stay.
   * @returns the stored config, with the real secret (a copy)
   * @throws Error for an unknown app; ApiError (422) for an invalid url, content_type or insecure_ssl
   */
  setAppHook(appId: number, fields: AppHookSeed): StoredHookConfig
  /**
   * Records a delivery of App `appId`'s webhook, as `Emulator.addDelivery` does for other hooks
   * (`signed_with`, `status_code`, `delivered_at`, `guid`, `event`, `payload`, …); nothing is sent.
   * `installation_id` / `repository_id` come from the payload's `installation.id` / `repository.id`.
   * @throws Error for an unknown app, or one without a webhook (see {@link AppHookApi.setAppHook})
   */
  addAppDelivery(appId: number, fields?: DeliverySeed): StoredDelivery
}

/**
 * The {@link AppHookApi} over a store.
 * @param store the emulator's state, built with the apps
 */
export function appHookApi(store: HookStore): AppHookApi {
  return {
    appHook(appId) {
      const hook = store.appHook(store.appTargetOf(appId))
      return hook && structuredClone(hook.config)
    },
    setAppHook: (appId, fields) => structuredClone(store.seedAppHook(store.appTargetOf(appId), fields).config),
    addAppDelivery(appId, fields = {}) {
      const hook = store.appHook(store.appTargetOf(appId))
      if (!hook) throw new Error(`GitHub App ${appId} has no webhook: set one with setAppHook first`)
      return structuredClone(store.seedDelivery(hook, fields))
    }
  }
}
