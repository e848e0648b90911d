import { createApp } from './app'

const app = createApp()

/** The app's type, for `hono/client`. */
export type AppType = typeof app

export default app
