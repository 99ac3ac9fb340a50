import { ApiError } from '../../../shared/api'

/** A message to show for anything thrown by an API call. */
export function errorMessage(err: unknown): string {
  return ApiError.from(err).message
}
