/**
 * Custom search attributes a person filters runs by in the Temporal UI.
 * infra/ registers them on the dev server (all Keyword); workflows upsert them.
 * Kept free of Node APIs: workflow code imports this file.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const DATASET = defineSearchAttributeKey('FinanceLakeDataset', SearchAttributeType.KEYWORD);
export const PARTITION_DATE = defineSearchAttributeKey('FinanceLakePartitionDate', SearchAttributeType.KEYWORD);
export const LAYER = defineSearchAttributeKey('FinanceLakeLayer', SearchAttributeType.KEYWORD);
export const STATUS = defineSearchAttributeKey('FinanceLakeStatus', SearchAttributeType.KEYWORD);

/** name -> type, as `temporal server start-dev --search-attribute name=Keyword` takes them. */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword'> = {
  [DATASET.name]: 'Keyword',
  [PARTITION_DATE.name]: 'Keyword',
  [LAYER.name]: 'Keyword',
  [STATUS.name]: 'Keyword',
};
