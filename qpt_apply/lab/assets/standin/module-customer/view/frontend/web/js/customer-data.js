/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
define([
    'jquery',
    'underscore',
    'ko',
    'Magento_Customer/js/section-config',
    'jquery/jquery-storageapi'
], function ($, _, ko, sectionConfig) {
    'use strict';

    var options = {},
        storage,
        storageInvalidation,
        invalidateCacheBySessionTimeOut,
        invalidateCacheByCloseCookieSession,
        dataProvider,
        buffer,
        customerData;

    /**
     * Drop the sections the server says are stale.
     *
     * @param {Object} sections
     */
    invalidateCacheBySessionTimeOut = function (sections) {
        var cookieSessionTimeout = $.cookieStorage.get('section_data_ids');

        if (!cookieSessionTimeout) {
            storage.removeAll();
        }
        _.each(sections, function (sectionName) {
            storageInvalidation.set(sectionName, true);
        });
    };

    /**
     * Drop every section when the session cookie is gone.
     */
    invalidateCacheByCloseCookieSession = function () {
        if (!$.cookieStorage.isSet('mage-cache-sessid')) {
            $.cookieStorage.set('mage-cache-sessid', true);
            storage.removeAll();
        }
    };

    dataProvider = {
        /**
         * @param {Object} sectionNames
         * @return {Object}
         */
        getFromStorage: function (sectionNames) {
            var result = {};

            _.each(sectionNames, function (sectionName) {
                result[sectionName] = storage.get(sectionName);
            });

            return result;
        }
    };

    buffer = {
        data: {},

        /**
         * @param {String} sectionName
         */
        bind: function (sectionName) {
            this.data[sectionName] = ko.observable({});
        }
    };

    customerData = {
        /**
         * @param {Object} settings
         */
        init: function (settings) {
            options = settings;
            storage = $.initNamespaceStorage('mage-cache-storage').localStorage;
            storageInvalidation = $.initNamespaceStorage('mage-cache-storage-section-invalidation').localStorage;
            invalidateCacheBySessionTimeOut(options.expirableSectionNames);
            invalidateCacheByCloseCookieSession();
        },

        /**
         * @param {String} sectionName
         * @return {*}
         */
        get: function (sectionName) {
            return buffer.data[sectionName];
        }
    };

    return customerData;
});
