/**
 * The rating-model registry: which engine fits each model, its fitter, and
 * the loader of its saved predictor. Modules are imported when needed, so
 * TensorFlow.js is only loaded by the models that train on it.
 *
 *   model          engine(s)            file
 *   global-mean    sparse (plain JS)    baselines.ts
 *   bias-baseline  sparse (plain JS)    baselines.ts
 *   user-knn       sparse (plain JS)    knn.ts
 *   mf             sparse or tfjs       mf.ts, tfjs/mf.ts
 *   deep-mf        tfjs                 tfjs/deep-mf.ts
 *   autorec        tfjs                 tfjs/autorec.ts
 *   rbm            sparse (plain JS)    rbm.ts
 *   item2vec       sparse (plain JS)    item2vec.ts (../item2vec/)
 */
import { ratingEngines, type RatingModelName, type RatingModelParams } from '../../shared/ratings'
import type { Fitter, Loader, Predictor, SavedModel } from './model'

/** Which engine a model trains on, given the engine the run asked for (after "auto" was resolved). */
export function ratingEngineFor(model: RatingModelName, requested: 'sparse' | 'tfjs'): 'sparse' | 'tfjs' {
  const engines = ratingEngines(model)
  return engines.includes(requested) ? requested : engines[0]!
}


// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFitter = Fitter<any>

export async function fitterFor(model: RatingModelParams['model'], engine: 'sparse' | 'tfjs'): Promise<AnyFitter> {
  switch (model) {
    case 'global-mean':
      return (await import('./baselines')).fitGlobalMean
    case 'bias-baseline':
      return (await import('./baselines')).fitBiasBaseline
    case 'user-knn':
      return (await import('./knn')).fitUserKnn
    case 'mf':
      return engine === 'tfjs' ? (await import('./tfjs/mf')).fitMfTfjs : (await import('./mf')).fitMf
    case 'deep-mf':
      return (await import('./tfjs/deep-mf')).fitDeepMf
    case 'autorec':
      return (await import('./tfjs/autorec')).fitAutoRec
    case 'rbm':
      return (await import('./rbm')).fitRbm
    case 'item2vec':
      return (await import('./item2vec')).fitItem2vec
  }
}

async function loaderFor(kind: string): Promise<Loader> {
  switch (kind) {
    case 'global-mean':
      return (await import('./baselines')).loadGlobalMean
    case 'bias-baseline':
      return (await import('./baselines')).loadBiasBaseline
    case 'user-knn':
      return (await import('./knn')).loadUserKnn
    case 'mf':
      return (await import('./mf')).loadMf
    case 'deep-mf':
      return (await import('./tfjs/deep-mf')).loadDeepMf
    case 'autorec':
      return (await import('./tfjs/autorec')).loadAutoRec
    case 'rbm':
      return (await import('./rbm')).loadRbm
    case 'item2vec':
      return (await import('./item2vec')).loadItem2vec
    default:
      throw new Error(`Unknown rating model kind “${kind}”: the run was saved by another version of the app.`)
  }
}

export async function loadPredictor(saved: SavedModel): Promise<Predictor> {
  return (await loaderFor(saved.kind))(saved)
}
