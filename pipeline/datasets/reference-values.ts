/** Value sets shared by declarations and the generator, so both agree on what is valid. */
export const REGIONS = ['US', 'EU', 'APAC'] as const;
export const CURRENCIES = ['USD', 'EUR', 'GBP', 'CHF', 'JPY', 'SGD', 'HKD', 'AUD'] as const;
export const TRANSACTION_TYPES = ['debit', 'credit', 'transfer', 'fee'] as const;
export const TRANSACTION_STATUSES = ['posted', 'pending', 'reversed'] as const;
export const SEGMENTS = ['retail', 'private', 'corporate', 'institutional'] as const;
export const RISK_RATINGS = ['low', 'medium', 'high'] as const;
/** upper-case tickers, optionally with a share-class or venue suffix (BRK.B) */
export const SYMBOL_PATTERN = '^[A-Z]{1,6}(\\.[A-Z]{1,2})?$';
