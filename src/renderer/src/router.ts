import { createRouter, createWebHashHistory } from 'vue-router'
import DatasetsView from './views/DatasetsView.vue'

// Hash history: Electron loads the app from file://, where path URLs cannot be reloaded.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/datasets' },
    { path: '/datasets/:id(\\d+)?', name: 'datasets', component: DatasetsView },
    { path: '/import', name: 'import', component: () => import('./views/ImportView.vue') },
    { path: '/train', name: 'train', component: () => import('./views/TrainView.vue') },
    { path: '/runs/:id(\\d+)?', name: 'runs', component: () => import('./views/RunsView.vue') },
    { path: '/runs/:id(\\d+)/users/:user(\\d+)?', name: 'user', component: () => import('./views/UserView.vue') },
    { path: '/compare', name: 'compare', component: () => import('./views/CompareView.vue') },
    { path: '/explore/:runId(\\d+)?', name: 'explore', component: () => import('./views/ExploreView.vue') },
    { path: '/:pathMatch(.*)*', redirect: '/datasets' },
  ],
})
