import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'vue-echarts/style.css'
import './styles/global.css'
import App from './App.vue'
import { createClient } from './api/client'
import { provideClient } from './composables/useApi'
import { router } from './router'

const app = createApp(App)
provideClient(app, createClient())
app.use(createPinia())
app.use(router)
app.mount('#app')
