/** The bench's conversation ids: `00000000-0000-4000-8000-<n as 12 hex>`. */
export const idFor = (n) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
