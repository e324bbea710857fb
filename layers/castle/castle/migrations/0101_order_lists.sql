-- Order list (OCO) ids: allocated by the API before the legs' holds are placed.
CREATE SEQUENCE order_list_ids AS bigint START WITH 1;
